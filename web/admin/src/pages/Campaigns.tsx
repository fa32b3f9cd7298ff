import { EditOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Descriptions, Flex, Table, type TableColumnsType, Tag } from 'antd';
import { useState } from 'react';
import type { SupportContact } from '../../../../src/domain/api.js';
import { api, getJson, isMissingEndpoint, sendJson } from '../api.js';
import { CampaignForm } from '../components/CampaignForm.js';
import { Failure } from '../components/Failure.js';
import { dateTime } from '../format.js';
import { useLoad } from '../hooks.js';
import type { AdminCampaign, AdminCampaignInput, CampaignsResponse } from '../pending-api.js';

function windowState(c: { startsAt: string; endsAt: string }, now = Date.now()) {
  if (now < Date.parse(c.startsAt)) return <Tag color="blue">未开始</Tag>;
  if (now >= Date.parse(c.endsAt)) return <Tag>已结束</Tag>;
  return <Tag color="green">进行中</Tag>;
}

function contacts(support: SupportContact[]): string {
  return support.map((s) => [s.label, s.phone, s.email, s.wechat, s.hours].filter(Boolean).join(' ')).join('；');
}

/** Until the admin endpoint exists, show the current campaign from the public student API. */
function CurrentCampaign() {
  const current = useLoad(api.currentCampaign, []);
  if (current.error) return <Failure error={current.error} />;
  const c = current.data;
  if (!c) return null;
  return (
    <Card size="small" title="当前采集活动（只读）">
      <Descriptions
        size="small"
        column={2}
        items={[
          { key: 'name', label: '名称', children: c.name },
          { key: 'state', label: '状态', children: windowState(c) },
          { key: 'start', label: '开始', children: dateTime(c.startsAt) },
          { key: 'end', label: '结束', children: dateTime(c.endsAt) },
          { key: 'support', label: '咨询联系方式', children: contacts(c.support) || '—', span: 2 },
        ]}
      />
    </Card>
  );
}

export function CampaignsPage() {
  const { message } = App.useApp();
  const list = useLoad(() => getJson<CampaignsResponse>('/campaigns'), []);
  const [editing, setEditing] = useState<AdminCampaign | 'new'>();

  async function save(input: AdminCampaignInput) {
    try {
      if (editing === 'new') await sendJson('POST', '/campaigns', input);
      else if (editing) await sendJson('PUT', `/campaigns/${editing.id}`, input);
      message.success('已保存');
      setEditing(undefined);
      list.reload();
    } catch (e) {
      message.error((e as Error).message);
    }
  }

  const columns: TableColumnsType<AdminCampaign> = [
    { key: 'name', title: '名称', dataIndex: 'name' },
    { key: 'semester', title: '学期', dataIndex: 'semester' },
    { key: 'start', title: '开始', dataIndex: 'startsAt', render: dateTime },
    { key: 'end', title: '结束', dataIndex: 'endsAt', render: dateTime },
    { key: 'state', title: '状态', render: (_: unknown, c) => windowState(c) },
    { key: 'exempt', title: '免采', dataIndex: 'exemptionSemesters', render: (n: number) => `近 ${n} 个学期` },
    { key: 'support', title: '咨询联系方式', dataIndex: 'support', ellipsis: true, render: contacts },
    {
      key: 'edit',
      title: '',
      render: (_: unknown, c) => (
        <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(c)}>
          编辑
        </Button>
      ),
    },
  ];

  const missing = isMissingEndpoint(list.error);
  return (
    <Flex vertical gap={16}>
      <Flex justify="flex-end">
        <Button type="primary" icon={<PlusOutlined />} disabled={missing} onClick={() => setEditing('new')}>
          新建采集活动
        </Button>
      </Flex>
      {list.error && <Failure error={list.error} onRetry={list.reload} />}
      {missing ? (
        <CurrentCampaign />
      ) : (
        <Table<AdminCampaign>
          rowKey="id"
          size="small"
          loading={list.loading}
          columns={columns}
          dataSource={list.data?.items ?? []}
          pagination={false}
        />
      )}
      <CampaignForm
        open={editing !== undefined}
        campaign={editing === 'new' ? undefined : editing}
        onCancel={() => setEditing(undefined)}
        onSave={save}
      />
    </Flex>
  );
}
