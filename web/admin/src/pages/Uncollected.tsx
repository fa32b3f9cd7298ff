import { DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Flex, Space, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import type { UncollectedStudent } from '../../../../src/domain/admin-api.js';
import { PHOTO_STATUS_LABELS } from '../../../../src/domain/photo-status.js';
import { api } from '../api.js';
import { Failure } from '../components/Failure.js';
import { UnitPicker } from '../components/UnitPicker.js';
import { useSelectedUnit } from '../session.js';

const PAGE = 100;

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

/** Students still without a photo, loaded page by page (keyset cursor), with the full list as XLSX. */
export function UncollectedPage() {
  const unit = useSelectedUnit();
  const [items, setItems] = useState<UncollectedStudent[]>([]);
  const [next, setNext] = useState<number | null>(0);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Error>();

  const load = useCallback(
    async (after: number, replace: boolean) => {
      setLoading(true);
      setError(undefined);
      try {
        const page = await api.uncollected(unit.id, after, PAGE);
        setItems((old) => (replace ? page.items : [...old, ...page.items]));
        setNext(page.next);
      } catch (e) {
        setError(e as Error);
      } finally {
        setLoading(false);
      }
    },
    [unit.id],
  );

  useEffect(() => {
    void load(0, true);
  }, [load]);

  return (
    <Flex vertical gap={16}>
      <Flex justify="space-between" wrap gap={8}>
        <Space wrap>
          <UnitPicker />
          <Button icon={<ReloadOutlined />} onClick={() => load(0, true)}>
            刷新
          </Button>
        </Space>
        <Button type="primary" icon={<DownloadOutlined />} onClick={() => api.uncollectedXlsx(unit.id)}>
          导出 Excel（全部未采集）
        </Button>
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
        columns={columns}
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
    </Flex>
  );
}
