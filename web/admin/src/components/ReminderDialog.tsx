// 提醒: the preview of a reminder send from the uncollected list (how many it reaches, who is
// skipped and why, one message as a student reads it, masked), then the send.
import { SendOutlined } from '@ant-design/icons';
import { Alert, App, Card, Descriptions, Flex, Modal, Space, Spin, Tag, Typography } from 'antd';
import { useState } from 'react';
import {
  REMINDER_CHANNEL_LABELS,
  REMINDER_SKIP_LABELS,
  REMINDER_SKIP_REASONS,
  type ReminderPreview,
  type ReminderSendResponse,
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
  const p: ReminderPreview | undefined = preview.data;

  async function send() {
    setSending(true);
    setError(undefined);
    try {
      const r = await api.sendReminders(unitId, req);
      void message.success(
        r.sendsAt
          ? `已排队 ${count(r.queued)} 条提醒，将于免打扰时段结束后（${dateTime(r.sendsAt)}）发出`
          : `已发送 ${count(r.queued)} 条提醒`,
      );
      onSent(r);
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
      okButtonProps={{ icon: <SendOutlined />, disabled: !p || p.count === 0 }}
      cancelText="取消"
      confirmLoading={sending}
      onOk={send}
      destroyOnHidden
    >
      {preview.error && <Failure error={preview.error} onRetry={preview.reload} />}
      {error && <Failure error={error} />}
      {!p && !preview.error && <Spin description="正在统计…" style={{ display: 'block', margin: '32px auto' }} />}
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
