import { EditOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Flex, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { AdminCampaign, AdminCampaignInput } from '../../../../src/domain/admin-api.js';
import type { SupportContact } from '../../../../src/domain/api.js';
import { canDo } from '../access.js';
import { api } from '../api.js';
import { CampaignForm } from '../components/CampaignForm.js';
import { Failure } from '../components/Failure.js';
import { dateTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { useSession } from '../session.js';

function windowState(c: { startsAt: string; endsAt: string }, now = Date.now()) {
  if (now < Date.parse(c.startsAt)) return <Tag color="blue">未开始</Tag>;
  if (now >= Date.parse(c.endsAt)) return <Tag>已结束</Tag>;
  return <Tag color="green">进行中</Tag>;
}

function contacts(support: SupportContact[]): string {
  return support.map((s) => [s.label, s.phone, s.email, s.wechat, s.hours].filter(Boolean).join(' ')).join('；');
}

/** Campaigns: every unit admin sees them; HQ creates and edits (window, spec, exemption rule, contacts). */
export function CampaignsPage() {
  const { message } = App.useApp();
  const { me } = useSession();
  const editable = canDo(me.role, 'manageCampaigns');
  // A fresh closure: useLoad reloads when the memoised loader changes identity.
  const list = useLoad(() => api.campaigns(), []);
  const [editing, setEditing] = useState<AdminCampaign | 'new'>();
  const specs = list.data?.specs ?? [];
  const specName = (id: string) => specs.find((s) => s.id === id)?.name ?? id;

  async function save(input: AdminCampaignInput) {
    try {
      if (editing === 'new') await api.createCampaign(input);
      else if (editing) await api.updateCampaign(editing.id, input);
      message.success('已保存');
      setEditing(undefined);
      list.reload();
    } catch (e) {
      message.error((e as Error).message);
    }
  }

  const columns: TableColumnsType<AdminCampaign> = [
    { key: 'name', title: '名称', dataIndex: 'name' },
    { key: 'semester', title: '学期', dataIndex: 'semester', width: 90 },
    { key: 'start', title: '开始', dataIndex: 'startsAt', width: 170, render: dateTime },
    { key: 'end', title: '结束', dataIndex: 'endsAt', width: 170, render: dateTime },
    { key: 'state', title: '状态', width: 80, render: (_: unknown, c) => windowState(c) },
    { key: 'spec', title: '照片规格', dataIndex: 'specId', ellipsis: true, render: specName },
    {
      key: 'exempt',
      title: '免采',
      dataIndex: 'exemptionSemesters',
      width: 110,
      render: (n: number) => (n > 0 ? `近 ${n} 个学期` : '不免采'),
    },
    { key: 'support', title: '咨询联系方式', dataIndex: 'support', ellipsis: true, render: contacts },
    ...(editable
      ? [
          {
            key: 'edit',
            title: '',
            width: 90,
            render: (_: unknown, c: AdminCampaign) => (
              <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(c)}>
                编辑
              </Button>
            ),
          },
        ]
      : []),
  ];

  return (
    <Flex vertical gap={16}>
      <Flex justify="space-between" align="center">
        <Typography.Text type="secondary">
          {editable
            ? '采集时间段互不重叠；已有学生上传照片的活动不能再更改照片规格。'
            : '采集活动由总部设置，此处只读。'}
        </Typography.Text>
        {editable && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            新建采集活动
          </Button>
        )}
      </Flex>
      {list.error && <Failure error={list.error} onRetry={list.reload} />}
      <Table<AdminCampaign>
        data-testid="campaigns-table"
        rowKey="id"
        size="small"
        loading={list.loading}
        columns={columns}
        dataSource={list.data?.items ?? []}
        pagination={false}
      />
      {editable && (
        <CampaignForm
          open={editing !== undefined}
          campaign={editing === 'new' ? undefined : editing}
          specs={specs}
          onCancel={() => setEditing(undefined)}
          onSave={save}
        />
      )}
    </Flex>
  );
}
