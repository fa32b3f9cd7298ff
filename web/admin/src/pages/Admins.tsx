import {
  KeyOutlined,
  PlusOutlined,
  ReloadOutlined,
  StopOutlined,
  UndoOutlined,
  UnlockOutlined,
} from '@ant-design/icons';
import {
  App,
  Button,
  Flex,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Tooltip,
  TreeSelect,
} from 'antd';
import { useMemo, useState } from 'react';
import type { AdminAccount, AdminCreateRequest } from '../../../../src/domain/admin-api.js';
import { ADMIN_LOCKOUT } from '../../../../src/domain/password-policy.js';
import { MANAGED_ROLES, ROLE_LABELS, ROLE_UNIT_LEVELS, type Role } from '../../../../src/domain/roles.js';
import { api } from '../api.js';
import { Failure } from '../components/Failure.js';
import { NewPasswordFields } from '../components/NewPasswordFields.js';
import { UnitPicker } from '../components/UnitPicker.js';
import { dateTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { useSession } from '../session.js';
import { type UnitTreeOption, unitTree } from '../units.js';

const PAGE = 50;

/** The unit tree with only the units an account of `role` may belong to selectable. */
function selectableFor(nodes: UnitTreeOption[], role: Role | undefined): (UnitTreeOption & { disabled: boolean })[] {
  return nodes.map((n) => ({
    ...n,
    disabled: !role || !ROLE_UNIT_LEVELS[role].includes(n.unit.level),
    children: selectableFor(n.children, role),
  }));
}

/** Admin accounts of the scope: create, disable/enable, reset the password (HQ any role, a branch its centres' admins, reviewers and invigilators, a centre its invigilators). */
export function AdminsPage() {
  const { message } = App.useApp();
  const { me, unitId, units } = useSession();
  const [paging, setPaging] = useState({ unitId, page: 1 });
  const page = paging.unitId === unitId ? paging.page : 1;
  const list = useLoad(() => api.admins(unitId, PAGE, (page - 1) * PAGE), [unitId, page]);
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<AdminAccount>();
  const [busy, setBusy] = useState(false);
  const [createForm] = Form.useForm<AdminCreateRequest & { confirm: string }>();
  const [resetForm] = Form.useForm<{ password: string; confirm: string }>();
  const role = Form.useWatch('role', createForm);
  const tree = useMemo(() => selectableFor(unitTree(units), role), [units, role]);
  const managed = MANAGED_ROLES[me.role];
  const manageable = (a: AdminAccount) => a.id !== me.id && managed.includes(a.role);

  async function run(work: () => Promise<unknown>, done: string): Promise<boolean> {
    setBusy(true);
    try {
      await work();
      message.success(done);
      list.reload();
      return true;
    } catch (e) {
      message.error((e as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function create() {
    const { confirm: _c, ...v } = await createForm.validateFields();
    if (await run(() => api.createAdmin({ ...v, username: v.username.trim() }), `已创建账号 ${v.username}`)) {
      setCreating(false);
    }
  }

  async function reset() {
    if (!resetting) return;
    const v = await resetForm.validateFields();
    if (
      await run(
        () => api.updateAdmin(resetting.id, { password: v.password }),
        '密码已重置：该账号已退出登录，下次登录时须自行设置新密码',
      )
    ) {
      setResetting(undefined);
    }
  }

  const columns: TableColumnsType<AdminAccount> = [
    { key: 'username', title: '用户名', dataIndex: 'username', width: 150 },
    { key: 'name', title: '显示名称', dataIndex: 'displayName', width: 140 },
    { key: 'role', title: '角色', dataIndex: 'role', width: 130, render: (r: Role) => ROLE_LABELS[r] },
    { key: 'unit', title: '所属单位', dataIndex: 'unitName' },
    {
      key: 'active',
      title: '状态',
      dataIndex: 'active',
      width: 190,
      render: (active: boolean, a) => (
        <Space size={4} wrap>
          {active ? <Tag color="green">启用</Tag> : <Tag>已停用</Tag>}
          {a.lockedUntil && (
            <Tooltip title={`连续 ${ADMIN_LOCKOUT.failures} 次密码错误，自动解锁时间 ${dateTime(a.lockedUntil)}`}>
              <Tag color="red" data-testid="locked-tag">
                锁定至{' '}
                {new Date(a.lockedUntil).toLocaleTimeString('zh-CN', {
                  hour12: false,
                  hour: '2-digit',
                  minute: '2-digit',
                })}
              </Tag>
            </Tooltip>
          )}
          {a.mustChangePassword && (
            <Tooltip title="密码由管理员设置，该账号下次登录时须先修改密码">
              <Tag color="gold">待改密</Tag>
            </Tooltip>
          )}
        </Space>
      ),
    },
    { key: 'created', title: '创建时间', dataIndex: 'createdAt', width: 170, render: dateTime },
    {
      key: 'actions',
      title: '操作',
      width: 220,
      render: (_: unknown, a) =>
        manageable(a) && (
          <Space size="small">
            {a.active ? (
              <Popconfirm
                title={`停用 ${a.username}？`}
                description="停用后该账号立即退出且无法登录"
                okText="停用"
                cancelText="取消"
                onConfirm={() => run(() => api.updateAdmin(a.id, { active: false }), '已停用')}
              >
                <Button size="small" danger icon={<StopOutlined />}>
                  停用
                </Button>
              </Popconfirm>
            ) : (
              <Button
                size="small"
                icon={<UndoOutlined />}
                onClick={() => run(() => api.updateAdmin(a.id, { active: true }), '已启用')}
              >
                启用
              </Button>
            )}
            {a.lockedUntil && (
              <Button
                size="small"
                icon={<UnlockOutlined />}
                onClick={() => run(() => api.unlockAdmin(a.id), `已解除 ${a.username} 的登录锁定`)}
              >
                解锁
              </Button>
            )}
            <Button
              size="small"
              icon={<KeyOutlined />}
              onClick={() => {
                resetForm.resetFields();
                setResetting(a);
              }}
            >
              重置密码
            </Button>
          </Space>
        ),
    },
  ];

  return (
    <Flex vertical gap={16}>
      <Flex justify="space-between" wrap gap={8}>
        <Space wrap>
          <UnitPicker />
          <Button icon={<ReloadOutlined />} onClick={list.reload}>
            刷新
          </Button>
        </Space>
        <Button
          type="primary"
          icon={<PlusOutlined />}
          onClick={() => {
            createForm.resetFields();
            setCreating(true);
          }}
        >
          新建管理员
        </Button>
      </Flex>
      {list.error && <Failure error={list.error} onRetry={list.reload} />}
      <Table<AdminAccount>
        data-testid="admins-table"
        rowKey="id"
        size="small"
        loading={list.loading}
        columns={columns}
        dataSource={list.data?.items ?? []}
        pagination={{
          current: page,
          pageSize: PAGE,
          total: list.data?.total ?? 0,
          onChange: (p) => setPaging({ unitId, page: p }),
          showSizeChanger: false,
          showTotal: (n) => `共 ${n} 个账号`,
        }}
      />
      <Modal
        title="新建管理员"
        open={creating}
        okText="创建"
        confirmLoading={busy}
        onOk={create}
        onCancel={() => setCreating(false)}
        forceRender
      >
        <Form form={createForm} layout="vertical" autoComplete="off">
          <Form.Item
            name="username"
            label="用户名"
            rules={[
              { required: true, pattern: /^[A-Za-z0-9_.-]{3,32}$/, message: '3–32 位字母、数字、点、短横线或下划线' },
            ]}
          >
            <Input placeholder="如 bj-haidian-01" autoComplete="off" />
          </Form.Item>
          <Form.Item
            name="displayName"
            label="显示名称"
            rules={[{ required: true, whitespace: true, message: '请填写显示名称' }]}
          >
            <Input maxLength={40} placeholder="如 海淀中心 王老师" />
          </Form.Item>
          <Form.Item name="role" label="角色" rules={[{ required: true, message: '请选择角色' }]}>
            <Select
              options={managed.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
              onChange={() => createForm.setFieldValue('unitId', undefined)}
            />
          </Form.Item>
          <Form.Item
            name="unitId"
            label="所属单位"
            tooltip="总部管理员设在总部，分部管理员设在分部/学院，学习中心管理员设在学习中心，审核员设在总部或分部/学院"
            rules={[{ required: true, message: '请选择所属单位' }]}
          >
            <TreeSelect
              treeData={tree}
              treeDefaultExpandAll
              disabled={!role}
              placeholder={role ? '选择单位' : '请先选择角色'}
              showSearch={{ treeNodeFilterProp: 'title' }}
            />
          </Form.Item>
          <NewPasswordFields label="初始密码" confirmLabel="确认密码" />
        </Form>
      </Modal>
      <Modal
        title={`重置密码：${resetting?.username ?? ''}`}
        open={resetting !== undefined}
        okText="重置"
        confirmLoading={busy}
        onOk={reset}
        onCancel={() => setResetting(undefined)}
        forceRender
      >
        <Form form={resetForm} layout="vertical" autoComplete="off">
          <NewPasswordFields label="新密码" confirmLabel="确认新密码" username={resetting?.username ?? ''} />
        </Form>
      </Modal>
    </Flex>
  );
}
