import { CheckOutlined, CloseOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Descriptions, Empty, Flex, Row, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import type { ReviewItem } from '../../../../src/domain/admin-api.js';
import { BACKGROUND_LABELS, type BackgroundName } from '../../../../src/domain/backgrounds.js';
import { ApiFailure, api } from '../api.js';
import { CheckReport } from '../components/CheckReport.js';
import { Failure } from '../components/Failure.js';
import { RejectDialog } from '../components/RejectDialog.js';
import { UnitPicker } from '../components/UnitPicker.js';
import { dateTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { useSession } from '../session.js';

const QUEUE_SIZE = 50;

function backgroundLabel(b: string | null): string {
  return b && b in BACKGROUND_LABELS ? BACKGROUND_LABELS[b as BackgroundName] : (b ?? '—');
}

function flagged(item: ReviewItem): number {
  return item.report.filter((r) => r.status !== 'pass').length;
}

export function ReviewPage() {
  const { unitId } = useSession();
  const { message } = App.useApp();
  const queue = useLoad(() => api.reviews(unitId, QUEUE_SIZE, 0), [unitId]);
  const [items, setItems] = useState<ReviewItem[]>([]);
  const [selected, setSelected] = useState<string>();
  const [rejecting, setRejecting] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const list = queue.data?.items ?? [];
    setItems(list);
    setSelected(list[0]?.photoId);
  }, [queue.data]);

  const current = items.find((i) => i.photoId === selected);

  /** Decided photos leave the queue; the next one opens so a reviewer can work through quickly. */
  async function decide(decision: 'approve' | 'reject', reason?: string) {
    if (!current) return;
    setBusy(true);
    const leaveQueue = () => {
      const index = items.indexOf(current);
      const rest = items.filter((i) => i !== current);
      setItems(rest);
      setSelected(rest[Math.min(index, rest.length - 1)]?.photoId);
      setRejecting(false);
      if (rest.length === 0) queue.reload();
    };
    try {
      await api.decide(current.photoId, { decision, reason });
      message.success(decision === 'approve' ? '已通过' : '已退回，学生将收到退回原因');
      leaveQueue();
    } catch (e) {
      // 409: another reviewer decided first; the photo is no longer ours to judge.
      if (e instanceof ApiFailure && e.status === 409) {
        message.warning(e.message);
        leaveQueue();
      } else message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Flex vertical gap={16}>
      <Space wrap>
        <UnitPicker />
        <Button icon={<ReloadOutlined />} onClick={queue.reload}>
          刷新
        </Button>
        <Typography.Text type="secondary">待审核 {items.length} 张（自动检测存疑的照片）</Typography.Text>
      </Space>
      {queue.error && <Failure error={queue.error} onRetry={queue.reload} />}
      <Row gutter={16}>
        <Col xs={24} xl={9}>
          <Table<ReviewItem>
            data-testid="review-queue"
            rowKey="photoId"
            size="small"
            loading={queue.loading}
            dataSource={items}
            pagination={false}
            scroll={{ y: 560 }}
            locale={{ emptyText: <Empty description="暂无待审核照片" /> }}
            onRow={(r) => ({ onClick: () => setSelected(r.photoId), style: { cursor: 'pointer' } })}
            rowClassName={(r) => (r.photoId === selected ? 'ant-table-row-selected' : '')}
            columns={[
              { key: 'no', title: '学号', dataIndex: 'studentNumber' },
              { key: 'name', title: '姓名', dataIndex: 'name' },
              { key: 'centre', title: '学习中心', dataIndex: 'centreName', ellipsis: true },
              {
                key: 'flags',
                title: '存疑项',
                render: (_: unknown, r) => <Tag color="orange">{flagged(r)}</Tag>,
              },
            ]}
          />
        </Col>
        <Col xs={24} xl={15}>
          {current ? (
            <Card
              size="small"
              title={`${current.name}（${current.studentNumber}）`}
              extra={
                <Space>
                  <Button type="primary" icon={<CheckOutlined />} loading={busy} onClick={() => decide('approve')}>
                    通过
                  </Button>
                  <Button danger icon={<CloseOutlined />} disabled={busy} onClick={() => setRejecting(true)}>
                    退回
                  </Button>
                </Space>
              }
            >
              <Row gutter={16}>
                <Col span={8}>
                  <img className="kz-photo" src={current.photoUrl} alt="学生提交的照片" />
                  <Descriptions
                    size="small"
                    column={1}
                    style={{ marginTop: 8 }}
                    items={[
                      { key: 'centre', label: '学习中心', children: current.centreName },
                      { key: 'at', label: '提交时间', children: dateTime(current.submittedAt) },
                      { key: 'bg', label: '背景', children: backgroundLabel(current.background) },
                    ]}
                  />
                </Col>
                <Col span={16}>
                  {current.duplicateOf && (
                    <Alert
                      type="warning"
                      showIcon
                      style={{ marginBottom: 12 }}
                      message={
                        current.duplicateOf.studentNumber
                          ? `与学号 ${current.duplicateOf.studentNumber}（${current.duplicateOf.centreName}）已提交的照片为同一张脸（相似度 ${current.duplicateOf.similarity.toFixed(3)}）`
                          : `与您管理范围外一名学生已提交的照片为同一张脸（相似度 ${current.duplicateOf.similarity.toFixed(3)}）`
                      }
                      description={
                        current.duplicateOf.photoUrl ? (
                          <img
                            className="kz-photo"
                            style={{ maxWidth: 160 }}
                            src={current.duplicateOf.photoUrl}
                            alt="另一名学生提交的照片"
                          />
                        ) : (
                          '该学生不在您的管理范围内，请联系上级单位核实。'
                        )
                      }
                    />
                  )}
                  <CheckReport report={current.report} />
                </Col>
              </Row>
            </Card>
          ) : (
            <Card>
              <Empty description="请选择左侧的照片进行审核" />
            </Card>
          )}
        </Col>
      </Row>
      <RejectDialog
        open={rejecting}
        report={current?.report ?? []}
        onCancel={() => setRejecting(false)}
        onReject={(reason) => decide('reject', reason)}
      />
    </Flex>
  );
}
