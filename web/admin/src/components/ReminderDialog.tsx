// 提醒: the preview of a reminder send from the uncollected list (how many it reaches, who is
// skipped and why, one message as a student reads it, masked), then the send. A send to more than
// one page of students (a branch, HQ) runs in the background: the dialog follows its progress.
import { SendOutlined } from '@ant-design/icons';
import { Alert, App, Card, Descriptions, Flex, Modal, Progress, Space, Spin, Tag, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import {
  REMINDER_CHANNEL_LABELS,
  REMINDER_SEND_STATUS_LABELS,
  REMINDER_SKIP_LABELS,
  REMINDER_SKIP_REASONS,
  type ReminderPreview,
  type ReminderSendResponse,
  reminderErrorLabel,
} from '../../../../src/domain/reminders.js';
import { api } from '../api.js';
import { count, dateTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { Failure } from './Failure.js';

export function ReminderDialog({
  unitId,
  unitName,
  studentNumbers,
  onClose,
  onSent,
}: {
  unitId: number;
  unitName: string;
  /** One student (its row's 提醒); undefined: the whole uncollected list of the unit. */
  studentNumbers: string[] | undefined;
  onClose: () => void;
  onSent: (r: ReminderSendResponse) => void;
}) {
  const { message } = App.useApp();
  const req = studentNumbers ? { studentNumbers } : {};
  const preview = useLoad(() => api.reminderPreview(unitId, req), [unitId, studentNumbers?.join(',')]);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<Error>();
  /** A send running in the background, as last polled. */
  const [job, setJob] = useState<ReminderSendResponse>();
  const p: ReminderPreview | undefined = preview.data;

  function finished(r: ReminderSendResponse) {
    if (r.status === 'failed') {
      void message.error(
        `提醒发送已中止（${reminderErrorLabel(r.error ?? 'error')}），已加入队列 ${count(r.queued)} 条`,
      );
    } else {
      void message.success(
        r.sendsAt
          ? `已排队 ${count(r.queued)} 条提醒，将于免打扰时段结束后（${dateTime(r.sendsAt)}）发出`
          : `已发送 ${count(r.queued)} 条提醒`,
      );
    }
    onSent(r);
  }

  // The poll calls the latest render's handler (onSent may change), without restarting for it.
  const onFinished = useRef(finished);
  onFinished.current = finished;

  // Follows a background send once a second until it is done or stopped.
  const running = job?.status === 'running' ? job.batchId : undefined;
  useEffect(() => {
    if (!running) return;
    let live = true;
    const timer = setInterval(() => {
      api.reminderSend(running).then(
        (r) => {
          if (!live) return;
          setJob(r);
          if (r.status !== 'running') onFinished.current(r);
        },
        (e: Error) => live && setError(e),
      );
    }, 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [running]);

  async function send() {
    setSending(true);
    setError(undefined);
    try {
      const r = await api.sendReminders(unitId, req);
      if (r.status === 'running') setJob(r);
      else finished(r);
    } catch (e) {
      setError(e as Error);
    } finally {
      setSending(false);
    }
  }

  return (
    <Modal
      open
      title={`催交提醒 · ${unitName}`}
      width={640}
      onCancel={onClose}
      okText={p ? `发送给 ${count(p.count)} 人` : '发送'}
      okButtonProps={{ icon: <SendOutlined />, disabled: !p || p.count === 0 || job !== undefined }}
      cancelText={job ? '关闭（后台继续）' : '取消'}
      confirmLoading={sending || job?.status === 'running'}
      onOk={send}
      destroyOnHidden
    >
      {preview.error && <Failure error={preview.error} onRetry={preview.reload} />}
      {error && <Failure error={error} />}
      {!p && !preview.error && <Spin description="正在统计…" style={{ display: 'block', margin: '32px auto' }} />}
      {job && (
        <Flex vertical gap={4} data-testid="reminder-progress" style={{ marginBottom: 12 }}>
          <Typography.Text strong>
            {REMINDER_SEND_STATUS_LABELS[job.status]}：已加入发送队列 {count(job.queued)} / {count(job.count)} 人
          </Typography.Text>
          <Progress
            percent={job.count > 0 ? Math.min(100, Math.floor((job.queued / job.count) * 100)) : 100}
            status={job.status === 'failed' ? 'exception' : job.status === 'running' ? 'active' : 'success'}
          />
          <Typography.Text type="secondary">人数较多，提醒在后台分批生成；关闭此窗口不影响发送。</Typography.Text>
        </Flex>
      )}
      {p && (
        <Flex vertical gap={12} data-testid="reminder-preview">
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label="采集活动">
              {p.campaign.name}（{dateTime(p.campaign.endsAt)} 截止）
            </Descriptions.Item>
            <Descriptions.Item label="发送渠道">
              <Tag color={p.channel === 'outbox' ? 'default' : 'blue'}>{REMINDER_CHANNEL_LABELS[p.channel]}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={studentNumbers ? '所选学生（未采集）' : '未采集学生'}>
              {count(p.total)} 人
            </Descriptions.Item>
            <Descriptions.Item label="将发送">
              <Typography.Text strong data-testid="reminder-count">
                {count(p.count)} 人
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label="不发送">
              <Space wrap>
                {REMINDER_SKIP_REASONS.map((r) => (
                  <span key={r}>
                    {REMINDER_SKIP_LABELS[r]} {count(p.skipped[r])} 人
                  </span>
                ))}
              </Space>
            </Descriptions.Item>
          </Descriptions>
          {p.channel === 'outbox' && (
            <Alert
              type="info"
              showIcon
              title="当前为发件箱模式：提醒只保存在「催交提醒 → 发件箱」中，不会真正发给学生。"
            />
          )}
          {p.quietHours?.active && (
            <Alert
              type="warning"
              showIcon
              title={`现在是免打扰时段（${p.quietHours.from}–${p.quietHours.to}），提醒将于 ${dateTime(p.quietHours.resumesAt!)} 后发出。`}
            />
          )}
          <Typography.Text type="secondary">
            每位学生 {p.intervalHours} 小时内最多收到一条提醒；发送失败会自动重试。
          </Typography.Text>
          {p.sample ? (
            <Card size="small" title={`示例（${p.sample.to}）`} data-testid="reminder-sample">
              {p.channel === 'smtp' && <Typography.Paragraph strong>{p.sample.subject}</Typography.Paragraph>}
              <Typography.Paragraph style={{ marginBottom: 0, whiteSpace: 'pre-wrap' }}>
                {p.sample.text}
              </Typography.Paragraph>
            </Card>
          ) : (
            <Alert type="info" showIcon title="没有可以提醒的学生。" />
          )}
        </Flex>
      )}
    </Modal>
  );
}
