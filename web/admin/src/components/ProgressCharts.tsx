import { Card, Col, Empty, Row } from 'antd';
import { useMemo } from 'react';
import type { DailyPoint, ProgressNode } from '../../../../src/domain/admin-api.js';
import { percent } from '../format.js';
import { type ChartOption, EChart } from './EChart.js';

/** Stacked status of each child unit, with the collection rate on a second axis. */
function unitsOption(root: ProgressNode): ChartOption {
  // A centre has no children: chart the centre itself.
  const units = root.children.length ? root.children : [root];
  const names = units.map((u) => u.name);
  const bar = (name: string, color: string, pick: (u: ProgressNode) => number) => ({
    name,
    type: 'bar' as const,
    stack: 'status',
    color,
    data: units.map(pick),
  });
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 48, right: 48, top: 36, bottom: units.length > 12 ? 64 : 32 },
    xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: units.length > 6 ? 30 : 0 } },
    yAxis: [
      { type: 'value', name: '人数' },
      { type: 'value', name: '采集率', min: 0, max: 1, axisLabel: { formatter: (v: number) => percent(v) } },
    ],
    dataZoom: units.length > 12 ? [{ type: 'slider', endValue: 11 }] : [],
    series: [
      bar('已通过', '#52c41a', (u) => u.approved),
      bar('待审核', '#faad14', (u) => u.needsReview),
      bar('未采集', '#ff7875', (u) => u.uncollected),
      {
        name: '采集率',
        type: 'line',
        yAxisIndex: 1,
        color: '#1677ff',
        data: units.map((u) => u.rate),
        tooltip: { valueFormatter: (v) => percent(Number(v)) },
      },
    ],
  };
}

function dailyOption(days: DailyPoint[]): ChartOption {
  const line = (name: string, color: string, pick: (d: DailyPoint) => number) => ({
    name,
    type: 'line' as const,
    smooth: true,
    color,
    data: days.map(pick),
  });
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 48, right: 24, top: 36, bottom: 32 },
    xAxis: { type: 'category', data: days.map((d) => d.day.slice(5)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      line('提交', '#1677ff', (d) => d.submitted),
      line('通过', '#52c41a', (d) => d.approved),
      line('退回', '#ff4d4f', (d) => d.rejected),
    ],
  };
}

export function ProgressCharts({ root, days }: { root: ProgressNode; days: DailyPoint[] | undefined }) {
  const units = useMemo(() => unitsOption(root), [root]);
  const daily = useMemo(() => dailyOption(days ?? []), [days]);
  return (
    <Row gutter={12}>
      <Col xs={24} xl={14}>
        <Card size="small" title={root.children.length ? '下级单位采集情况' : '本单位采集情况'}>
          <EChart option={units} testId="units-chart" />
        </Card>
      </Col>
      <Col xs={24} xl={10}>
        <Card size="small" title="近 14 天每日提交">
          {days && days.length === 0 ? (
            <Empty style={{ height: 288, paddingTop: 80 }} description="近期暂无提交" />
          ) : (
            <EChart option={daily} testId="daily-chart" />
          )}
        </Card>
      </Col>
    </Row>
  );
}
