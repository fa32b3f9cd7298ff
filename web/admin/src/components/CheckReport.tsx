import { Table, type TableColumnsType, Tag } from 'antd';
import { CHECKS, type CheckResult, type CheckStatus } from '../../../../src/domain/checks.js';

const STATUS_TAGS: Record<CheckStatus, { color: string; label: string }> = {
  pass: { color: 'green', label: '通过' },
  warn: { color: 'orange', label: '需人工确认' },
  fail: { color: 'red', label: '不通过' },
};

const ORDER: Record<CheckStatus, number> = { fail: 0, warn: 1, pass: 2 };

const columns: TableColumnsType<CheckResult> = [
  { key: 'title', title: '检测项', dataIndex: 'id', render: (id: CheckResult['id']) => CHECKS[id]?.zh ?? id },
  {
    key: 'status',
    title: '结果',
    dataIndex: 'status',
    render: (s: CheckStatus) => <Tag color={STATUS_TAGS[s].color}>{STATUS_TAGS[s].label}</Tag>,
  },
  {
    key: 'value',
    title: '测量值',
    render: (_: unknown, r) => (r.value === null ? '—' : `${Number(r.value.toFixed(2))}${r.unit ?? ''}`),
  },
  { key: 'threshold', title: '标准', dataIndex: 'threshold' },
  { key: 'message', title: '说明', render: (_: unknown, r) => r.message.zh },
];

/** The engine's compliance report, problems first so the reviewer sees why the photo is here. */
export function CheckReport({ report }: { report: CheckResult[] }) {
  const rows = [...report].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  return (
    <Table<CheckResult>
      rowKey="id"
      size="small"
      columns={columns}
      dataSource={rows}
      pagination={false}
      scroll={{ y: 420 }}
    />
  );
}
