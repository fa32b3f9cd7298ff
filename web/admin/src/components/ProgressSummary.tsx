import { Card, Col, Row, Statistic } from 'antd';
import type { ProgressCounts } from '../../../../src/domain/admin-api.js';
import { percent } from '../format.js';

const FIGURES: { key: keyof ProgressCounts; title: string; color?: string }[] = [
  { key: 'required', title: '应采集' },
  { key: 'submitted', title: '已提交' },
  { key: 'approved', title: '已通过', color: '#389e0d' },
  { key: 'needsReview', title: '待审核', color: '#d48806' },
  { key: 'rejected', title: '未通过', color: '#cf1322' },
  { key: 'uncollected', title: '未采集', color: '#cf1322' },
  { key: 'exempt', title: '免采' },
];

export function ProgressSummary({ counts }: { counts: ProgressCounts }) {
  return (
    <Row gutter={[12, 12]} data-testid="progress-summary">
      <Col flex="1 1 140px">
        <Card size="small">
          <Statistic title="采集率" value={percent(counts.rate)} styles={{ content: { color: '#1677ff' } }} />
        </Card>
      </Col>
      {FIGURES.map((f) => (
        <Col flex="1 1 120px" key={f.key}>
          <Card size="small">
            <Statistic title={f.title} value={counts[f.key]} styles={{ content: { color: f.color } }} />
          </Card>
        </Col>
      ))}
    </Row>
  );
}
