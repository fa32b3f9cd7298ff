// How a reminder's delivery status looks in the console (催交提醒 and the 未采集学生 list).
import { Space, Tag, Tooltip, Typography } from 'antd';
import {
  REMINDER_STATUS_LABELS,
  type ReminderDelivery,
  type ReminderStatus,
  reminderErrorLabel,
} from '../../../../src/domain/reminders.js';

export const REMINDER_STATUS_COLORS: Record<ReminderStatus, string> = {
  queued: 'default',
  sending: 'processing',
  retrying: 'orange',
  sent: 'green',
  failed: 'red',
  cancelled: 'default',
};

export function reminderStatusTag(d: Pick<ReminderDelivery, 'status' | 'lastError' | 'attempts'>) {
  const tag = <Tag color={REMINDER_STATUS_COLORS[d.status]}>{REMINDER_STATUS_LABELS[d.status]}</Tag>;
  if (!d.lastError) return tag;
  return (
    <Tooltip title={`${reminderErrorLabel(d.lastError)}（已尝试 ${d.attempts} 次）`}>
      <Space size={4}>
        {tag}
        <Typography.Text type="secondary">{reminderErrorLabel(d.lastError)}</Typography.Text>
      </Space>
    </Tooltip>
  );
}
