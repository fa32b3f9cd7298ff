import { Button, Progress, Table, type TableColumnsType } from 'antd';
import type { ProgressNode } from '../../../../src/domain/admin-api.js';
import { UNIT_LEVEL_LABELS } from '../../../../src/domain/roles.js';
import { count } from '../format.js';

type Row = Omit<ProgressNode, 'children'> & { children?: Row[] };

/** Leaves get no `children` so the table draws no expand button for them. */
function toRow(n: ProgressNode): Row {
  const { children, ...rest } = n;
  return children.length ? { ...rest, children: children.map(toRow) } : rest;
}

const num = (key: keyof Row, title: string) => ({
  key,
  title,
  dataIndex: key,
  align: 'right' as const,
  sorter: (a: Row, b: Row) => Number(a[key]) - Number(b[key]),
  render: (n: number) => count(n),
});

export function ProgressTable({ root, onOpen }: { root: ProgressNode; onOpen: (unitId: number) => void }) {
  const columns: TableColumnsType<Row> = [
    {
      key: 'name',
      title: '单位',
      dataIndex: 'name',
      render: (name: string, r) =>
        r.id === root.id ? (
          <strong>{name}</strong>
        ) : (
          <Button type="link" size="small" style={{ padding: 0 }} onClick={() => onOpen(r.id)}>
            {name}
          </Button>
        ),
    },
    { key: 'level', title: '层级', dataIndex: 'level', render: (l: Row['level']) => UNIT_LEVEL_LABELS[l] },
    num('enrolled', '在籍'),
    num('exempt', '免采'),
    num('required', '应采'),
    num('submitted', '已提交'),
    num('approved', '已通过'),
    num('needsReview', '待审核'),
    num('rejected', '未通过'),
    num('uncollected', '未采集'),
    {
      key: 'rate',
      title: '采集率',
      dataIndex: 'rate',
      width: 170,
      sorter: (a, b) => a.rate - b.rate,
      render: (rate: number) => <Progress percent={Math.round(rate * 1000) / 10} size="small" />,
    },
  ];
  return (
    <Table<Row>
      // A new root (drill-down) remounts the table so the root opens again.
      key={root.id}
      data-testid="progress-table"
      rowKey="id"
      size="small"
      columns={columns}
      dataSource={[toRow(root)]}
      expandable={{ defaultExpandedRowKeys: [root.id] }}
      pagination={false}
      scroll={{ x: 1000 }}
    />
  );
}
