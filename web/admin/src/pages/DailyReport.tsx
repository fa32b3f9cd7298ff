import { DownloadOutlined } from '@ant-design/icons';
import { Button, Flex, Input, Space, Table, type TableColumnsType, Typography } from 'antd';
import { useState } from 'react';
import type { DailyReportRow } from '../../../../src/domain/admin-api.js';
import { UNIT_LEVEL_LABELS } from '../../../../src/domain/roles.js';
import { api } from '../api.js';
import { Failure } from '../components/Failure.js';
import { UnitPicker } from '../components/UnitPicker.js';
import { chinaToday, percent } from '../format.js';
import { useLoad } from '../hooks.js';
import { useSession } from '../session.js';

const right = { align: 'right' as const };

const columns: TableColumnsType<DailyReportRow> = [
  { key: 'branch', title: '分部/学院', dataIndex: 'branchName', render: (b: string) => b || '—' },
  { key: 'name', title: '单位', dataIndex: 'name' },
  { key: 'level', title: '层级', dataIndex: 'level', render: (l: DailyReportRow['level']) => UNIT_LEVEL_LABELS[l] },
  {
    key: 'day',
    title: '当日',
    children: [
      { key: 'd-sub', title: '提交', ...right, render: (_: unknown, r) => r.day.submitted },
      { key: 'd-ok', title: '通过', ...right, render: (_: unknown, r) => r.day.approved },
      { key: 'd-rej', title: '退回', ...right, render: (_: unknown, r) => r.day.rejected },
    ],
  },
  {
    key: 'total',
    title: '累计',
    children: [
      { key: 'required', title: '应采', dataIndex: 'required', ...right },
      { key: 'submitted', title: '已提交', dataIndex: 'submitted', ...right },
      { key: 'approved', title: '已通过', dataIndex: 'approved', ...right },
      { key: 'needsReview', title: '待审核', dataIndex: 'needsReview', ...right },
      { key: 'uncollected', title: '未采集', dataIndex: 'uncollected', ...right },
      {
        key: 'rate',
        title: '采集率',
        dataIndex: 'rate',
        ...right,
        sorter: (a, b) => a.rate - b.rate,
        render: (r: number) => percent(r),
      },
    ],
  },
];

export function DailyReportPage() {
  const { unitId } = useSession();
  const [date, setDate] = useState(chinaToday);
  const report = useLoad(() => api.dailyReport(date, unitId), [date, unitId]);

  return (
    <Flex vertical gap={16}>
      <Flex justify="space-between" wrap gap={8}>
        <Space wrap>
          <UnitPicker />
          <Input
            type="date"
            prefix="日期"
            value={date}
            max={chinaToday()}
            onChange={(e) => e.target.value && setDate(e.target.value)}
            style={{ width: 200 }}
          />
        </Space>
        <Button type="primary" icon={<DownloadOutlined />} onClick={() => api.dailyReportXlsx(date, unitId)}>
          下载日报（Excel）
        </Button>
      </Flex>
      {report.error && <Failure error={report.error} onRetry={report.reload} />}
      <Typography.Text type="secondary">统计日期按北京时间计；累计数为截至报表生成时。</Typography.Text>
      <Table<DailyReportRow>
        data-testid="daily-table"
        rowKey="unitId"
        size="small"
        bordered
        loading={report.loading}
        columns={columns}
        dataSource={report.data?.rows ?? []}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        scroll={{ x: 1100 }}
      />
    </Flex>
  );
}
