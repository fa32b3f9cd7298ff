// 考场场次: the exam sessions of the scope with their counts, the XLSX export of each session's
// checks, and the form that creates a session (also used by the station's session picker).
import { DownloadOutlined, PlusOutlined, ReloadOutlined, ScanOutlined } from '@ant-design/icons';
import { App, Button, Drawer, Flex, Form, Input, Modal, Select, Space, Table, type TableColumnsType, Tag } from 'antd';
import { useMemo, useState } from 'react';
import {
  EXAM_DECISION_LABELS,
  EXAM_OVERRIDE_LABELS,
  EXAM_ROOM_MAX,
  EXAM_SESSION_NAME_MAX,
  EXAM_UNABLE_LABELS,
  type ExamCheck,
  type ExamDecision,
  type ExamSession,
} from '../../../../src/domain/exam.js';
import { api } from '../api.js';
import { Failure } from '../components/Failure.js';
import { dateTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { useSession } from '../session.js';

/** The session the station works in, kept across reloads of this browser (one station, one sitting). */
const STATION_SESSION_KEY = 'kz.exam.session';

export function storedSessionId(): number | undefined {
  const v = Number(localStorage.getItem(STATION_SESSION_KEY));
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

export function storeSessionId(id: number): void {
  localStorage.setItem(STATION_SESSION_KEY, String(id));
}

export const DECISION_COLORS: Record<ExamDecision, string> = { pass: 'green', fail: 'red', unable: 'orange' };

export function sessionLabel(s: ExamSession): string {
  return `${s.name} · ${s.room} · ${dateTime(s.startsAt)}`;
}

/** "YYYY-MM-DDTHH:mm" in local time, the value of a datetime-local input. */
function localInputValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

interface SessionForm {
  name: string;
  room: string;
  startsAt: string;
  centreId?: number;
}

/** The new-session dialog: a centre's staff create for their centre; HQ and branches choose one. */
export function CreateSessionDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (s: ExamSession) => void;
}) {
  const { me, units } = useSession();
  const [form] = Form.useForm<SessionForm>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<Error>();
  const centres = useMemo(() => units.filter((u) => u.level === 'centre'), [units]);
  const chooseCentre = me.unit.level !== 'centre';

  async function submit(v: SessionForm) {
    setSaving(true);
    setError(undefined);
    try {
      const s = await api.createExamSession({
        name: v.name,
        room: v.room,
        startsAt: new Date(v.startsAt).toISOString(),
        ...(chooseCentre ? { centreId: v.centreId } : {}),
      });
      form.resetFields();
      onCreated(s);
    } catch (e) {
      setError(e as Error);
    } finally {
      setSaving(false);
    }
  }

  return (
    <Modal
      title="新建考场场次"
      open={open}
      onCancel={onClose}
      okText="创建"
      cancelText="取消"
      confirmLoading={saving}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {error && <Failure error={error} />}
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={{ startsAt: localInputValue(new Date()) }}
        data-testid="exam-session-form"
      >
        <Form.Item
          name="name"
          label="场次名称"
          rules={[{ required: true, whitespace: true, max: EXAM_SESSION_NAME_MAX, message: '请填写场次名称' }]}
        >
          <Input placeholder="如：2026 春季期末考试 第一场" autoFocus onPressEnter={() => form.submit()} />
        </Form.Item>
        <Form.Item
          name="room"
          label="考场"
          rules={[{ required: true, whitespace: true, max: EXAM_ROOM_MAX, message: '请填写考场' }]}
        >
          <Input placeholder="如：301 教室" onPressEnter={() => form.submit()} />
        </Form.Item>
        <Form.Item name="startsAt" label="开考时间" rules={[{ required: true, message: '请选择开考时间' }]}>
          <Input type="datetime-local" />
        </Form.Item>
        {chooseCentre && (
          <Form.Item name="centreId" label="学习中心" rules={[{ required: true, message: '请选择学习中心' }]}>
            <Select
              showSearch
              optionFilterProp="label"
              options={centres.map((c) => ({ value: c.id, label: `${c.name}（${c.code}）` }))}
            />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

export function decisionTag(c: Pick<ExamCheck, 'decision' | 'reason' | 'override'>) {
  const label =
    c.decision === 'unable' && c.reason
      ? `${EXAM_DECISION_LABELS.unable}（${EXAM_UNABLE_LABELS[c.reason]}）`
      : EXAM_DECISION_LABELS[c.decision];
  return (
    <Space size={4} wrap>
      <Tag color={DECISION_COLORS[c.decision]}>{label}</Tag>
      {c.override && <Tag color={DECISION_COLORS[c.override]}>{EXAM_OVERRIDE_LABELS[c.override]}</Tag>}
    </Space>
  );
}

export const CHECK_COLUMNS: TableColumnsType<ExamCheck> = [
  { key: 'at', title: '时间', dataIndex: 'at', width: 160, render: (v: string) => dateTime(v) },
  { key: 'studentNumber', title: '学号', dataIndex: 'studentNumber', width: 130 },
  { key: 'maskedName', title: '姓名', dataIndex: 'maskedName', width: 80 },
  { key: 'decision', title: '结果', render: (_: unknown, c) => decisionTag(c) },
  {
    key: 'similarity',
    title: '相似度',
    dataIndex: 'similarity',
    width: 80,
    render: (v: number | null) => (v === null ? '—' : v.toFixed(3)),
  },
  { key: 'checkedBy', title: '核验人', dataIndex: 'checkedBy', width: 100 },
  { key: 'overrideReason', title: '人工核对理由', dataIndex: 'overrideReason', ellipsis: true },
];

export function ExamSessionsPage() {
  const { message } = App.useApp();
  const sessions = useLoad(() => api.examSessions(), []);
  const [creating, setCreating] = useState(false);
  const [viewing, setViewing] = useState<ExamSession>();
  const checks = useLoad(() => (viewing ? api.examChecks(viewing.id) : Promise.resolve({ items: [] })), [viewing?.id]);

  const open = (s: ExamSession) => {
    storeSessionId(s.id);
    window.location.hash = '#/exam';
  };

  const columns: TableColumnsType<ExamSession> = [
    {
      key: 'name',
      title: '场次',
      render: (_: unknown, s) => (
        <Space direction="vertical" size={0}>
          <strong>{s.name}</strong>
          <span style={{ color: '#888' }}>
            {s.room} · {s.centre.name}
          </span>
        </Space>
      ),
    },
    { key: 'startsAt', title: '开考时间', dataIndex: 'startsAt', width: 160, render: (v: string) => dateTime(v) },
    { key: 'checked', title: '核验次数', width: 90, render: (_: unknown, s) => s.counts.checked },
    { key: 'students', title: '考生数', width: 80, render: (_: unknown, s) => s.counts.students },
    {
      key: 'outcome',
      title: '通过 / 不通过 / 无法比对',
      width: 190,
      render: (_: unknown, s) => (
        <Space size={4}>
          <Tag color="green">{s.counts.passed}</Tag>
          <Tag color="red">{s.counts.failed}</Tag>
          <Tag color="orange">{s.counts.unable}</Tag>
        </Space>
      ),
    },
    { key: 'overridden', title: '人工核对', width: 90, render: (_: unknown, s) => s.counts.overridden },
    {
      key: 'actions',
      title: '操作',
      width: 260,
      render: (_: unknown, s) => (
        <Space size={4} wrap>
          <Button size="small" type="primary" icon={<ScanOutlined />} onClick={() => open(s)}>
            进入核验
          </Button>
          <Button size="small" onClick={() => setViewing(s)}>
            记录
          </Button>
          <Button
            size="small"
            icon={<DownloadOutlined />}
            onClick={() => api.examExportXlsx(s.id)}
            data-testid={`exam-export-${s.id}`}
          >
            导出
          </Button>
        </Space>
      ),
    },
  ];

  return (
    <Flex vertical gap={12}>
      <Space wrap>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          新建场次
        </Button>
        <Button icon={<ReloadOutlined />} onClick={sessions.reload}>
          刷新
        </Button>
      </Space>
      {sessions.error && <Failure error={sessions.error} onRetry={sessions.reload} />}
      <Table
        rowKey="id"
        size="middle"
        loading={sessions.loading}
        columns={columns}
        dataSource={sessions.data?.items ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        scroll={{ x: 900 }}
        locale={{ emptyText: '还没有考场场次，点击「新建场次」开始' }}
        data-testid="exam-sessions"
      />
      <CreateSessionDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(s) => {
          setCreating(false);
          message.success(`已创建场次「${s.name}」`);
          sessions.reload();
        }}
      />
      <Drawer
        title={viewing ? sessionLabel(viewing) : ''}
        open={viewing !== undefined}
        onClose={() => setViewing(undefined)}
        size="large"
        extra={
          viewing && (
            <Button icon={<DownloadOutlined />} onClick={() => api.examExportXlsx(viewing.id)}>
              导出 XLSX
            </Button>
          )
        }
      >
        {checks.error && <Failure error={checks.error} onRetry={checks.reload} />}
        <Table
          rowKey="id"
          size="small"
          loading={checks.loading}
          columns={CHECK_COLUMNS}
          dataSource={checks.data?.items ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          scroll={{ x: 760 }}
        />
      </Drawer>
    </Flex>
  );
}
