import { BellOutlined, DownloadOutlined, HistoryOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Flex, Space, Table, type TableColumnsType, Tag, Tooltip, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import type { UncollectedStudent } from '../../../../src/domain/admin-api.js';
import { PHOTO_STATUS_LABELS } from '../../../../src/domain/photo-status.js';
import { REMINDER_STATUS_LABELS, type ReminderStudentState } from '../../../../src/domain/reminders.js';
import { canDo } from '../access.js';
import { api } from '../api.js';
import { Failure } from '../components/Failure.js';
import { ReminderDialog } from '../components/ReminderDialog.js';
import { REMINDER_STATUS_COLORS } from '../components/ReminderStatus.js';
import { UnitPicker } from '../components/UnitPicker.js';
import { dateTime } from '../format.js';
import { useSelectedUnit, useSession } from '../session.js';

const PAGE = 100;
/** Students per reminder-state request (the endpoint takes at most 200 numbers). */
const STATE_BATCH = 100;

const columns: TableColumnsType<UncollectedStudent> = [
  { key: 'studentNumber', title: '学号', dataIndex: 'studentNumber' },
  { key: 'name', title: '姓名', dataIndex: 'name' },
  { key: 'id', title: '身份证号', dataIndex: 'idNumberMasked' },
  { key: 'centre', title: '学习中心', dataIndex: 'centreName' },
  { key: 'intake', title: '入学学期', dataIndex: 'intakeSemester' },
  { key: 'phone', title: '联系电话', dataIndex: 'phone', render: (p: string | null) => p ?? '—' },
  {
    key: 'status',
    title: '状态',
    dataIndex: 'lastStatus',
    render: (s: UncollectedStudent['lastStatus']) =>
      s === 'rejected' ? <Tag color="red">{PHOTO_STATUS_LABELS.rejected.zh}，需重新提交</Tag> : <Tag>未提交</Tag>,
  },
];

/** The 提醒 column: the latest reminder in this campaign, or why none can go. */
function reminderCell(state: ReminderStudentState | undefined) {
  if (!state) return '—';
  if (state.optedOut) return <Tag color="magenta">已退订提醒</Tag>;
  const latest = state.latest;
  return (
    <Space size={4} wrap>
      {latest && (
        <Tooltip title={dateTime(latest.at)}>
          <Tag color={REMINDER_STATUS_COLORS[latest.status]}>{REMINDER_STATUS_LABELS[latest.status]}</Tag>
        </Tooltip>
      )}
      {!state.reachable && <Tag>无联系方式</Tag>}
      {!latest && state.reachable && <Typography.Text type="secondary">未提醒</Typography.Text>}
    </Space>
  );
}

/** Students still without a photo, loaded page by page (keyset cursor), with the full list as XLSX. */
export function UncollectedPage() {
  const unit = useSelectedUnit();
  const { me } = useSession();
  const { message, modal } = App.useApp();
  const mayRemind = canDo(me.role, 'remind');
  const [items, setItems] = useState<UncollectedStudent[]>([]);
  const [next, setNext] = useState<number | null>(0);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Error>();
  /** The reminder dialog: for the whole list (all) or one student. */
  const [reminding, setReminding] = useState<{ studentNumbers?: string[] }>();
  const [states, setStates] = useState<Map<string, ReminderStudentState>>(new Map());

  const loadStates = useCallback(
    async (numbers: string[]) => {
      if (!mayRemind) return;
      for (let i = 0; i < numbers.length; i += STATE_BATCH) {
        try {
          const { items: got } = await api.reminderStates(unit.id, numbers.slice(i, i + STATE_BATCH));
          setStates((old) => new Map([...old, ...got.map((g) => [g.studentNumber, g] as const)]));
        } catch {
          // The list stays usable without its reminder column.
          return;
        }
      }
    },
    [unit.id, mayRemind],
  );

  const load = useCallback(
    async (after: number, replace: boolean) => {
      setLoading(true);
      setError(undefined);
      try {
        const page = await api.uncollected(unit.id, after, PAGE);
        setItems((old) => (replace ? page.items : [...old, ...page.items]));
        setNext(page.next);
        void loadStates(page.items.map((s) => s.studentNumber));
      } catch (e) {
        setError(e as Error);
      } finally {
        setLoading(false);
      }
    },
    [unit.id, loadStates],
  );

  useEffect(() => {
    void load(0, true);
  }, [load]);

  function toggleOptOut(s: UncollectedStudent, optOut: boolean) {
    modal.confirm({
      title: optOut ? `${s.studentNumber} 不再接收催交提醒？` : `恢复向 ${s.studentNumber} 发送催交提醒？`,
      content: optOut ? '学生本人要求不再接收时使用；尚未发出的提醒将取消。' : undefined,
      okText: optOut ? '退订' : '恢复',
      cancelText: '取消',
      onOk: async () => {
        try {
          const state = await api.setReminderOptOut(s.studentNumber, optOut);
          setStates((old) => new Map(old).set(state.studentNumber, state));
        } catch (e) {
          void message.error((e as Error).message);
        }
      },
    });
  }

  const allColumns: TableColumnsType<UncollectedStudent> = mayRemind
    ? [
        ...columns,
        {
          key: 'reminder',
          title: '提醒',
          render: (_: unknown, s) => {
            const state = states.get(s.studentNumber);
            return (
              <Space size={4} wrap>
                {reminderCell(state)}
                {state && !state.optedOut && state.reachable && (
                  <Button size="small" type="link" onClick={() => setReminding({ studentNumbers: [s.studentNumber] })}>
                    提醒
                  </Button>
                )}
                {state && (
                  <Button size="small" type="link" onClick={() => toggleOptOut(s, !state.optedOut)}>
                    {state.optedOut ? '恢复' : '退订'}
                  </Button>
                )}
              </Space>
            );
          },
        },
      ]
    : columns;

  return (
    <Flex vertical gap={16}>
      <Flex justify="space-between" wrap gap={8}>
        <Space wrap>
          <UnitPicker />
          <Button icon={<ReloadOutlined />} onClick={() => load(0, true)}>
            刷新
          </Button>
        </Space>
        <Space wrap>
          {mayRemind && (
            <>
              <Button icon={<BellOutlined />} onClick={() => setReminding({})} data-testid="remind">
                提醒全部未采集
              </Button>
              <Button
                icon={<HistoryOutlined />}
                onClick={() => {
                  window.location.hash = '#/reminders';
                }}
              >
                提醒记录
              </Button>
            </>
          )}
          <Button type="primary" icon={<DownloadOutlined />} onClick={() => api.uncollectedXlsx(unit.id)}>
            导出 Excel（全部未采集）
          </Button>
        </Space>
      </Flex>
      <Alert
        type="info"
        showIcon
        title={`${unit.name}：以下学生尚未提交照片或照片未通过审核，请督促其尽快完成采集。名单含个人信息，仅限本项工作使用。`}
      />
      {error && <Failure error={error} onRetry={() => load(0, true)} />}
      <Table<UncollectedStudent>
        data-testid="uncollected-table"
        rowKey="studentNumber"
        size="small"
        loading={loading}
        columns={allColumns}
        dataSource={items}
        pagination={false}
        footer={() => (
          <Flex justify="space-between" align="center">
            <Typography.Text type="secondary">已显示 {items.length} 人</Typography.Text>
            {next !== null && (
              <Button onClick={() => load(next, false)} loading={loading}>
                加载更多
              </Button>
            )}
          </Flex>
        )}
      />
      {reminding && (
        <ReminderDialog
          unitId={unit.id}
          unitName={unit.name}
          studentNumbers={reminding.studentNumbers}
          onClose={() => setReminding(undefined)}
          onSent={() => {
            setReminding(undefined);
            void loadStates(items.map((s) => s.studentNumber));
          }}
        />
      )}
    </Flex>
  );
}
