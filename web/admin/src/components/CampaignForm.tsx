import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Col, Form, Input, InputNumber, Modal, Row, Select, Space } from 'antd';
import { useEffect, useState } from 'react';
import type { AdminCampaign, AdminCampaignInput, PhotoSpecOption } from '../../../../src/domain/admin-api.js';

/** <input type="datetime-local"> speaks local wall time without a zone; the API speaks ISO 8601. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

interface FormValues extends Omit<AdminCampaignInput, 'startsAt' | 'endsAt'> {
  startsAt: string;
  endsAt: string;
}

const EMPTY: FormValues = {
  name: '',
  semester: '',
  startsAt: '',
  endsAt: '',
  specId: 'chsi',
  exemptionSemesters: 2,
  support: [{ label: '学习中心' }],
};

export function CampaignForm({
  open,
  campaign,
  specs,
  onCancel,
  onSave,
}: {
  open: boolean;
  /** Edit this one; undefined creates a new campaign. */
  campaign: AdminCampaign | undefined;
  specs: PhotoSpecOption[];
  onCancel: () => void;
  onSave: (input: AdminCampaignInput) => Promise<void>;
}) {
  const [form] = Form.useForm<FormValues>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open) return;
    form.setFieldsValue(
      campaign
        ? { ...campaign, startsAt: toLocalInput(campaign.startsAt), endsAt: toLocalInput(campaign.endsAt) }
        : EMPTY,
    );
  }, [open, campaign, form]);

  async function submit() {
    const v = await form.validateFields();
    setBusy(true);
    try {
      // Exactly the input fields: the server refuses unknown ones.
      await onSave({
        name: v.name,
        semester: v.semester.trim(),
        startsAt: new Date(v.startsAt).toISOString(),
        endsAt: new Date(v.endsAt).toISOString(),
        specId: v.specId,
        exemptionSemesters: v.exemptionSemesters,
        // Empty contact fields would show as blank lines to students.
        support: (v.support ?? []).map((s) =>
          Object.fromEntries(Object.entries(s).filter(([, x]) => typeof x === 'string' && x.trim() !== '')),
        ) as AdminCampaignInput['support'],
      });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      title={campaign ? '编辑采集活动' : '新建采集活动'}
      open={open}
      width={760}
      okText="保存"
      confirmLoading={busy}
      onOk={submit}
      onCancel={onCancel}
      forceRender
    >
      <Form<FormValues> form={form} layout="vertical">
        <Row gutter={12}>
          <Col span={14}>
            <Form.Item name="name" label="活动名称" rules={[{ required: true, message: '请输入活动名称' }]}>
              <Input maxLength={60} placeholder="如：2026 年秋季学期考试照片采集" />
            </Form.Item>
          </Col>
          <Col span={10}>
            <Form.Item
              name="semester"
              label="学期"
              rules={[
                { required: true, pattern: /^\d{4}-[12]$/, message: '格式为 年份-1（春）或 年份-2（秋），如 2026-2' },
              ]}
            >
              <Input placeholder="2026-2" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="startsAt" label="开始时间" rules={[{ required: true, message: '请选择开始时间' }]}>
              <Input type="datetime-local" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item
              name="endsAt"
              label="结束时间"
              dependencies={['startsAt']}
              rules={[
                { required: true, message: '请选择结束时间' },
                ({ getFieldValue }) => ({
                  validator: (_, v: string) =>
                    !v || v > getFieldValue('startsAt')
                      ? Promise.resolve()
                      : Promise.reject(new Error('结束须晚于开始')),
                }),
              ]}
            >
              <Input type="datetime-local" />
            </Form.Item>
          </Col>
          <Col span={14}>
            <Form.Item name="specId" label="照片规格" rules={[{ required: true, message: '请选择照片规格' }]}>
              <Select options={specs.map((s) => ({ value: s.id, label: s.name }))} />
            </Form.Item>
          </Col>
          <Col span={10}>
            <Form.Item
              name="exemptionSemesters"
              label="免采学期数"
              tooltip="近 N 个学期内已有审核通过照片的学生，本次无需重新采集；0 表示所有人都要采集"
              rules={[{ required: true }]}
            >
              <InputNumber min={0} max={10} style={{ width: '100%' }} suffix="个学期" />
            </Form.Item>
          </Col>
        </Row>
        <Form.List name="support">
          {(fields, { add, remove }) => (
            <Form.Item label="咨询联系方式（学生端显示）">
              {fields.map((f) => (
                <Space key={f.key} align="baseline" wrap style={{ display: 'flex', marginBottom: 4 }}>
                  <Form.Item name={[f.name, 'label']} rules={[{ required: true, message: '名称' }]} noStyle>
                    <Input placeholder="名称，如 技术支持" style={{ width: 130 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'phone']} noStyle>
                    <Input placeholder="电话" style={{ width: 130 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'email']} noStyle>
                    <Input placeholder="邮箱" style={{ width: 150 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'wechat']} noStyle>
                    <Input placeholder="微信" style={{ width: 110 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'hours']} noStyle>
                    <Input placeholder="服务时间" style={{ width: 110 }} />
                  </Form.Item>
                  {/* A centre's own desk: shown to the students who scan that centre's entry QR code. */}
                  <Form.Item name={[f.name, 'unitCode']} noStyle>
                    <Input placeholder="仅限单位代码（选填）" style={{ width: 150 }} />
                  </Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} aria-label="删除联系方式" />
                </Space>
              ))}
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ label: '' })}>
                添加联系方式
              </Button>
            </Form.Item>
          )}
        </Form.List>
      </Form>
    </Modal>
  );
}
