import { ReloadOutlined } from '@ant-design/icons';
import { Button, Flex, Space, Table, type TableColumnsType, Tag } from 'antd';
import { useState } from 'react';
import { getJson } from '../api.js';
import { Failure } from '../components/Failure.js';
import { UnitPicker } from '../components/UnitPicker.js';
import { dateTime } from '../format.js';
import { useLoad } from '../hooks.js';
import type { AuditLogItem, AuditLogResponse } from '../pending-api.js';
import { useSession } from '../session.js';

const PAGE = 50;

/** Labels of the actions the server records (services call audit.record with these names). */
const ACTION_LABELS: Record<string, { label: string; color: string }> = {
  'export.uncollected': { label: '导出未采集名单', color: 'orange' },
  'export.photos': { label: '导出照片', color: 'red' },
  'review.approve': { label: '审核通过', color: 'green' },
  'review.reject': { label: '审核退回', color: 'volcano' },
  'roster.import': { label: '导入花名册', color: 'blue' },
};

const columns: TableColumnsType<AuditLogItem> = [
  { key: 'at', title: '时间', dataIndex: 'at', width: 180, render: (at: string) => dateTime(at) },
  { key: 'admin', title: '操作人', dataIndex: 'adminUsername', render: (u: string | null) => u ?? '系统' },
  {
    key: 'action',
    title: '操作',
    dataIndex: 'action',
    render: (a: string) => <Tag color={ACTION_LABELS[a]?.color}>{ACTION_LABELS[a]?.label ?? a}</Tag>,
  },
  { key: 'unit', title: '单位', dataIndex: 'unitName', render: (u: string | null) => u ?? '—' },
  { key: 'count', title: '涉及学生数', dataIndex: 'studentCount', align: 'right' },
  {
    key: 'detail',
    title: '详情',
    dataIndex: 'detail',
    ellipsis: true,
    render: (d: Record<string, unknown>) =>
      Object.entries(d)
        .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join('；'),
  },
];

/** Who exported, reviewed or imported what: personal data leaves the system only through these. */
export function AuditPage() {
  const { unitId } = useSession();
  const [page, setPage] = useState(1);
  const log = useLoad(
    () => getJson<AuditLogResponse>('/audit', { unitId, limit: PAGE, offset: (page - 1) * PAGE }),
    [unitId, page],
  );
  const items = log.data?.items ?? [];
  return (
    <Flex vertical gap={16}>
      <Space wrap>
        <UnitPicker />
        <Button icon={<ReloadOutlined />} onClick={log.reload}>
          刷新
        </Button>
      </Space>
      {log.error && <Failure error={log.error} onRetry={log.reload} />}
      <Table<AuditLogItem>
        rowKey="id"
        size="small"
        loading={log.loading}
        columns={columns}
        dataSource={items}
        pagination={{
          current: page,
          pageSize: PAGE,
          // No total from the server: offer a next page while pages come back full.
          total: (page - 1) * PAGE + items.length + (items.length === PAGE ? 1 : 0),
          onChange: setPage,
          showSizeChanger: false,
        }}
      />
    </Flex>
  );
}
