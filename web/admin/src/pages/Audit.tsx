import { ReloadOutlined } from '@ant-design/icons';
import { Button, Flex, Select, Space, Table, type TableColumnsType, Tag } from 'antd';
import { useState } from 'react';
import type { AuditLogItem } from '../../../../src/domain/admin-api.js';
import { AUDIT_ACTIONS, type AuditAction } from '../../../../src/domain/audit.js';
import {
  EXAM_DECISION_LABELS,
  EXAM_OVERRIDE_LABELS,
  EXAM_UNABLE_LABELS,
  type ExamDecision,
  type ExamOverride,
  type ExamUnableReason,
} from '../../../../src/domain/exam.js';
import {
  REMINDER_CHANNEL_LABELS,
  REMINDER_SKIP_LABELS,
  type ReminderChannel,
  type ReminderSkipReason,
} from '../../../../src/domain/reminders.js';
import { ROLE_LABELS, type Role, UNIT_LEVEL_LABELS, type UnitLevel } from '../../../../src/domain/roles.js';
import { api } from '../api.js';
import { Failure } from '../components/Failure.js';
import { UnitPicker } from '../components/UnitPicker.js';
import { dateTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { useSession } from '../session.js';

const PAGE = 50;

/** Tag colours per action; the labels are the server's list (src/domain/audit.ts). */
const ACTION_COLORS: Record<AuditAction, string> = {
  'export.uncollected': 'orange',
  'export.photos': 'red',
  'review.approve': 'green',
  'review.reject': 'volcano',
  'roster.import': 'blue',
  'campaign.create': 'purple',
  'campaign.update': 'purple',
  'unit.create': 'cyan',
  'unit.rename': 'cyan',
  'admin.create': 'geekblue',
  'admin.disable': 'magenta',
  'admin.enable': 'geekblue',
  'admin.password_reset': 'gold',
  'admin.rename': 'geekblue',
  'exam.verify': 'lime',
  'student.move': 'blue',
  'entry.upload': 'green',
  'admin.unlock': 'gold',
  'auth.login': 'default',
  'auth.login_failed': 'orange',
  'auth.locked': 'red',
  'auth.password_change': 'gold',
  'exam.session_create': 'lime',
  'exam.override': 'orange',
  'exam.export': 'orange',
  'student.erase': 'red',
  'reminder.send': 'purple',
  'reminder.opt_out': 'magenta',
  'reminder.opt_in': 'cyan',
  'retention.sweep': 'default',
};
const ACTION_LABELS: Record<string, { label: string; color: string }> = Object.fromEntries(
  (Object.keys(AUDIT_ACTIONS) as AuditAction[]).map((a) => [a, { label: AUDIT_ACTIONS[a], color: ACTION_COLORS[a] }]),
);

/** Filter choices: a family (all its actions) or one action. */
const ACTION_FILTERS = [
  { value: 'export', label: '全部导出' },
  { value: 'review', label: '全部审核' },
  { value: 'roster', label: '花名册导入' },
  { value: 'campaign', label: '采集活动变更' },
  { value: 'unit', label: '单位变更' },
  { value: 'admin', label: '管理员账号变更' },
  { value: 'exam', label: '考场核验（全部）' },
  { value: 'student', label: '学生转学习中心' },
  { value: 'entry', label: '经入口链接上传' },
  { value: 'auth', label: '登录与改密' },
  { value: 'reminder', label: '催交提醒（全部）' },
  ...Object.entries(ACTION_LABELS).map(([value, { label }]) => ({ value, label })),
];

/** Detail keys in Chinese; the values are non-personal (filters, counts, file names, settings). */
const DETAIL_LABELS: Record<string, string> = {
  filename: '文件',
  imported: '已导入',
  refused: '范围外学号（已拒绝）',
  fromCentre: '原学习中心',
  toCentre: '新学习中心',
  via: '方式',
  match: '比对结果',
  similarity: '相似度',
  total: '总行数',
  inserted: '新增',
  updated: '更新',
  rejected: '错误行',
  format: '格式',
  campaignId: '活动',
  photoId: '照片',
  name: '名称',
  semester: '学期',
  startsAt: '开始',
  endsAt: '结束',
  specId: '规格',
  exemptionSemesters: '免采学期数',
  changed: '变更项',
  code: '代码',
  level: '级别',
  parentId: '上级单位',
  from: '原名称',
  to: '新名称',
  username: '账号',
  role: '角色',
  targetAdminId: '账号编号',
  reason: '原因',
  failures: '连续失败次数',
  until: '锁定至',
  centreCode: '入口学习中心',
  linkCampaignId: '链接所属活动',
  ownCentre: '本中心学生',
  decision: '比对结论',
  override: '人工核对',
  sessionId: '考场场次编号',
  checkId: '核验记录编号',
  room: '考场',
  rows: '行数',
  batchId: '提醒批次',
  channel: '发送渠道',
  sentFor: '发送范围',
  queued: '已排队发送',
  skipped: '未发送',
  cancelled: '取消的待发提醒',
};

const LOGIN_FAILURE_REASONS: Record<string, string> = {
  password: '密码错误',
  locked: '账号已锁定',
  disabled: '账号已停用',
  unknown: '用户名不存在',
};

function detailValue(k: string, v: unknown): string {
  if (k === 'role' && typeof v === 'string') return ROLE_LABELS[v as Role] ?? v;
  if (k === 'level' && typeof v === 'string') return UNIT_LEVEL_LABELS[v as UnitLevel] ?? v;
  if ((k === 'startsAt' || k === 'endsAt' || k === 'until') && typeof v === 'string') return dateTime(v);
  if (k === 'reason' && typeof v === 'string') {
    return LOGIN_FAILURE_REASONS[v] ?? EXAM_UNABLE_LABELS[v as ExamUnableReason] ?? v;
  }
  if (k === 'decision' && typeof v === 'string') return EXAM_DECISION_LABELS[v as ExamDecision] ?? v;
  if (k === 'override' && typeof v === 'string') return EXAM_OVERRIDE_LABELS[v as ExamOverride] ?? v;
  if (k === 'match') return v ? '同一人' : '非同一人';
  if (k === 'via') return v === 'roster' ? '花名册导入' : v === 'move' ? '转学习中心操作' : String(v);
  if (k === 'imported') return v ? '是' : '否（校验未通过，未导入）';
  if (k === 'ownCentre') return v ? '是' : '否（其他学习中心的学生）';
  if (k === 'channel' && typeof v === 'string') return REMINDER_CHANNEL_LABELS[v as ReminderChannel] ?? v;
  if (k === 'skipped' && v && typeof v === 'object') {
    return Object.entries(v as Record<string, number>)
      .map(([r, n]) => `${REMINDER_SKIP_LABELS[r as ReminderSkipReason] ?? r} ${n}`)
      .join('，');
  }
  if (Array.isArray(v)) return v.join('、');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

const columns: TableColumnsType<AuditLogItem> = [
  { key: 'at', title: '时间', dataIndex: 'at', width: 170, render: (at: string) => dateTime(at) },
  {
    key: 'admin',
    title: '操作人',
    dataIndex: 'adminUsername',
    width: 120,
    // A sign-in failure under a name that does not exist has no account to show (nor the name tried).
    render: (u: string | null, row) => u ?? (row.action.startsWith('auth.') ? '未知账号' : '系统'),
  },
  {
    key: 'action',
    title: '操作',
    dataIndex: 'action',
    width: 140,
    render: (a: string) => <Tag color={ACTION_LABELS[a]?.color}>{ACTION_LABELS[a]?.label ?? a}</Tag>,
  },
  { key: 'unit', title: '单位', dataIndex: 'unitName', width: 180, render: (u: string | null) => u ?? '—' },
  { key: 'count', title: '涉及学生数', dataIndex: 'studentCount', width: 100, align: 'right' },
  {
    key: 'detail',
    title: '详情',
    dataIndex: 'detail',
    ellipsis: true,
    render: (d: Record<string, unknown>) =>
      Object.entries(d)
        .filter(([k]) => k !== 'at')
        .map(([k, v]) => `${DETAIL_LABELS[k] ?? k}：${detailValue(k, v)}`)
        .join('；'),
  },
];

/** Who exported, reviewed, imported or changed what: personal data leaves the system only through these. */
export function AuditPage() {
  const { unitId } = useSession();
  const [action, setAction] = useState<string>();
  // Another unit or filter starts again at page 1.
  const filter = `${unitId}|${action ?? ''}`;
  const [paging, setPaging] = useState({ filter, page: 1 });
  const page = paging.filter === filter ? paging.page : 1;
  const setPage = (p: number) => setPaging({ filter, page: p });
  const log = useLoad(
    () => api.audit({ unitId, action, limit: PAGE, offset: (page - 1) * PAGE }),
    [unitId, action, page],
  );
  const items = log.data?.items ?? [];
  return (
    <Flex vertical gap={16}>
      <Space wrap>
        <UnitPicker />
        <Select
          data-testid="audit-action"
          allowClear
          placeholder="全部操作"
          style={{ width: 200 }}
          value={action}
          options={ACTION_FILTERS}
          onChange={(v?: string) => setAction(v)}
        />
        <Button icon={<ReloadOutlined />} onClick={log.reload}>
          刷新
        </Button>
      </Space>
      {log.error && <Failure error={log.error} onRetry={log.reload} />}
      <Table<AuditLogItem>
        data-testid="audit-table"
        rowKey="id"
        size="small"
        loading={log.loading}
        columns={columns}
        dataSource={items}
        pagination={{
          current: page,
          pageSize: PAGE,
          // No total from the server: offer a next page while pages come back full.
          total: (page - 1) * PAGE + items.length + (items.length === PAGE ? 1 : 0),
          onChange: setPage,
          showSizeChanger: false,
        }}
      />
    </Flex>
  );
}
