// 催交提醒: every reminder sent from 未采集学生 and its delivery status per student (queued, retried,
// sent, failed), and the outbox: the messages the outbox channel kept instead of sending. Names and
// addresses masked; the message is shown as the student reads it, with the name masked.
import { ReloadOutlined } from '@ant-design/icons';
import { Button, Flex, Input, Select, Space, Table, type TableColumnsType, Tabs, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import {
  REMINDER_CHANNEL_LABELS,
  REMINDER_STATUS_LABELS,
  REMINDER_STATUSES,
  type ReminderChannel,
  type ReminderDelivery,
  type ReminderStatus,
} from '../../../../src/domain/reminders.js';
import { api } from '../api.js';
import { Failure } from '../components/Failure.js';
import { reminderStatusTag } from '../components/ReminderStatus.js';
import { UnitPicker } from '../components/UnitPicker.js';
import { dateTime } from '../format.js';
import { useSelectedUnit } from '../session.js';

const PAGE = 100;

const columns: TableColumnsType<ReminderDelivery> = [
  { key: 'at', title: '时间', dataIndex: 'createdAt', width: 170, render: (at: string) => dateTime(at) },
  { key: 'studentNumber', title: '学号', dataIndex: 'studentNumber', width: 130 },
  { key: 'name', title: '姓名', dataIndex: 'maskedName', width: 90 },
  { key: 'centre', title: '学习中心', dataIndex: 'centreName' },
  {
    key: 'channel',
    title: '渠道',
    dataIndex: 'channel',
    width: 150,
    render: (c: ReminderChannel) => REMINDER_CHANNEL_LABELS[c],
  },
  { key: 'to', title: '发送至', dataIndex: 'to', width: 170 },
  { key: 'status', title: '状态', width: 220, render: (_: unknown, d) => reminderStatusTag(d) },
  {
    key: 'when',
    title: '发送 / 下次尝试',
    width: 170,
    render: (_: unknown, d) => (d.sentAt ? dateTime(d.sentAt) : d.nextAttemptAt ? dateTime(d.nextAttemptAt) : '—'),
  },
  { key: 'by', title: '操作人', dataIndex: 'sentBy', width: 110, render: (v: string | null) => v ?? '—' },
];

/** The outbox is read for its messages: the text in a column of its own (whole when the row is opened). */
const outboxColumns: TableColumnsType<ReminderDelivery> = [
  ...columns.filter((c) => c.key !== 'channel' && c.key !== 'by'),
  { key: 'text', title: '内容', dataIndex: 'text', ellipsis: true },
];

function DeliveryTable({ unitId, channel }: { unitId: number; channel?: ReminderChannel }) {
  const [items, setItems] = useState<ReminderDelivery[]>([]);
  const [next, setNext] = useState<number | null>(0);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Error>();
  const [status, setStatus] = useState<ReminderStatus>();
  const [studentNumber, setStudentNumber] = useState('');

  const load = useCallback(
    async (after: number, replace: boolean) => {
      setLoading(true);
      setError(undefined);
      try {
        const page = await api.reminders(unitId, {
          after,
          limit: PAGE,
          channel,
          status,
          studentNumber: studentNumber.trim() || undefined,
        });
        setItems((old) => (replace ? page.items : [...old, ...page.items]));
        setNext(page.next);
      } catch (e) {
        setError(e as Error);
      } finally {
        setLoading(false);
      }
    },
    [unitId, channel, status, studentNumber],
  );

  useEffect(() => {
    void load(0, true);
  }, [load]);

  return (
    <Flex vertical gap={12}>
      <Space wrap>
        <Select<ReminderStatus>
          allowClear
          placeholder="全部状态"
          style={{ width: 140 }}
          value={status}
          onChange={setStatus}
          options={REMINDER_STATUSES.map((s) => ({ value: s, label: REMINDER_STATUS_LABELS[s] }))}
        />
        <Input.Search
          allowClear
          placeholder="按学号查找"
          style={{ width: 220 }}
          onSearch={(v) => setStudentNumber(v)}
        />
        <Button icon={<ReloadOutlined />} onClick={() => load(0, true)}>
          刷新
        </Button>
      </Space>
      {error && <Failure error={error} onRetry={() => load(0, true)} />}
      <Table<ReminderDelivery>
        data-testid={channel === 'outbox' ? 'reminder-outbox' : 'reminder-deliveries'}
        rowKey="id"
        size="small"
        loading={loading}
        columns={channel === 'outbox' ? outboxColumns : columns}
        dataSource={items}
        pagination={false}
        expandable={{
          expandedRowRender: (d) => (
            <div>
              {d.channel === 'smtp' && <Typography.Paragraph strong>{d.subject}</Typography.Paragraph>}
              <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>{d.text}</Typography.Paragraph>
            </div>
          ),
        }}
        footer={() => (
          <Flex justify="space-between" align="center">
            <Typography.Text type="secondary">已显示 {items.length} 条</Typography.Text>
            {next !== null && (
              <Button onClick={() => load(next, false)} loading={loading}>
                加载更多
              </Button>
            )}
          </Flex>
        )}
      />
    </Flex>
  );
}

export function RemindersPage() {
  const unit = useSelectedUnit();
  return (
    <Flex vertical gap={16}>
      <Space wrap>
        <UnitPicker />
        <Typography.Text type="secondary">在「未采集学生」页面点击「提醒」发送催交提醒。</Typography.Text>
      </Space>
      <Tabs
        items={[
          { key: 'all', label: '发送记录', children: <DeliveryTable unitId={unit.id} /> },
          {
            key: 'outbox',
            label: '发件箱',
            children: <DeliveryTable unitId={unit.id} channel="outbox" />,
          },
        ]}
      />
    </Flex>
  );
}
