import { EditOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Flex, Form, Input, Modal, Space, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { type Key, useMemo, useState } from 'react';
import type { UnitNode } from '../../../../src/domain/admin-api.js';
import { CHILD_LEVEL, UNIT_LEVEL_LABELS, type UnitLevel } from '../../../../src/domain/roles.js';
import { api } from '../api.js';
import { useSession } from '../session.js';
import { type UnitTreeOption, unitTree } from '../units.js';

interface Row extends UnitNode {
  children?: Row[];
}

function rows(nodes: UnitTreeOption[]): Row[] {
  return nodes.map((n) => ({ ...n.unit, ...(n.children.length ? { children: rows(n.children) } : {}) }));
}

const LEVEL_COLORS: Record<UnitLevel, string> = { hq: 'red', branch: 'blue', centre: 'green' };

type Dialog = { kind: 'create'; parent: UnitNode } | { kind: 'rename'; unit: UnitNode };

/** The unit tree of the admin's scope: HQ adds branches/colleges, a branch (or HQ) adds centres. */
export function UnitsPage() {
  const { message } = App.useApp();
  const { me, units, reloadUnits } = useSession();
  const [dialog, setDialog] = useState<Dialog>();
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ code: string; name: string }>();
  const data = useMemo(() => rows(unitTree(units)), [units]);
  // Roots open (HQ, or a branch admin's branch); 3,000 centres stay folded until asked for.
  const [expanded, setExpanded] = useState<readonly Key[]>(() => data.map((r) => r.id));
  const hq = me.unit.level === 'hq';
  // A branch renames its centres, not itself; HQ renames any unit.
  const canRename = (u: UnitNode) => hq || u.id !== me.unit.id;

  function open(d: Dialog) {
    form.resetFields();
    if (d.kind === 'rename') form.setFieldsValue({ name: d.unit.name });
    setDialog(d);
  }

  async function submit() {
    if (!dialog) return;
    const v = await form.validateFields();
    setBusy(true);
    try {
      if (dialog.kind === 'create') {
        const u = await api.createUnit({ parentId: dialog.parent.id, code: v.code.trim(), name: v.name.trim() });
        message.success(`已新建 ${u.name}`);
        setExpanded((keys) => [...new Set([...keys, dialog.parent.id])]);
      } else {
        await api.renameUnit(dialog.unit.id, v.name.trim());
        message.success('已改名');
      }
      setDialog(undefined);
      await reloadUnits();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const columns: TableColumnsType<Row> = [
    { key: 'name', title: '名称', dataIndex: 'name' },
    { key: 'code', title: '代码', dataIndex: 'code', width: 140 },
    {
      key: 'level',
      title: '级别',
      dataIndex: 'level',
      width: 120,
      render: (l: UnitLevel) => <Tag color={LEVEL_COLORS[l]}>{UNIT_LEVEL_LABELS[l]}</Tag>,
    },
    {
      key: 'actions',
      title: '操作',
      width: 260,
      render: (_: unknown, u) => {
        const child = CHILD_LEVEL[u.level];
        return (
          <Space size="small">
            {canRename(u) && (
              <Button size="small" icon={<EditOutlined />} onClick={() => open({ kind: 'rename', unit: u })}>
                改名
              </Button>
            )}
            {child && (
              <Button size="small" icon={<PlusOutlined />} onClick={() => open({ kind: 'create', parent: u })}>
                添加{UNIT_LEVEL_LABELS[child]}
              </Button>
            )}
          </Space>
        );
      },
    },
  ];

  const childLevel = dialog?.kind === 'create' ? CHILD_LEVEL[dialog.parent.level] : null;
  return (
    <Flex vertical gap={16}>
      <Typography.Text type="secondary">
        单位代码全局唯一，花名册中的「学习中心代码」即此代码；新建后即可导入该单位的学生、设置其管理员账号。
      </Typography.Text>
      <Table<Row>
        data-testid="units-table"
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={data}
        pagination={false}
        expandable={{ expandedRowKeys: expanded, onExpandedRowsChange: setExpanded }}
      />
      <Modal
        title={
          dialog?.kind === 'create'
            ? `在「${dialog.parent.name}」下添加${childLevel ? UNIT_LEVEL_LABELS[childLevel] : ''}`
            : `单位改名：${dialog?.kind === 'rename' ? dialog.unit.code : ''}`
        }
        open={dialog !== undefined}
        okText="保存"
        confirmLoading={busy}
        onOk={submit}
        onCancel={() => setDialog(undefined)}
        forceRender
      >
        <Form form={form} layout="vertical">
          {dialog?.kind === 'create' && (
            <Form.Item
              name="code"
              label="单位代码"
              rules={[
                { required: true, pattern: /^[A-Za-z0-9_-]{1,32}$/, message: '1–32 位字母、数字、短横线或下划线' },
              ]}
            >
              <Input placeholder="如 B1C3" maxLength={32} />
            </Form.Item>
          )}
          <Form.Item
            name="name"
            label="单位名称"
            rules={[{ required: true, whitespace: true, message: '请填写单位名称' }]}
          >
            <Input placeholder="如 北京西城学习中心" maxLength={60} />
          </Form.Item>
        </Form>
      </Modal>
    </Flex>
  );
}
