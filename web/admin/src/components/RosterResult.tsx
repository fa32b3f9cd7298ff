import { Alert, Descriptions, Table } from 'antd';
import type { RosterImportResponse, RosterRowError } from '../../../../src/domain/admin-api.js';

/** What an import did, and every bad row with the column and the reason. */
export function RosterResult({ result }: { result: RosterImportResponse }) {
  const badRows = result.rejected || new Set(result.errors.map((e) => e.row)).size;
  return (
    <>
      {result.imported ? (
        <Alert
          type={result.errors.length ? 'warning' : 'success'}
          showIcon
          title={`导入完成：新增 ${result.inserted} 人，更新 ${result.updated} 人${result.moved ? `（其中 ${result.moved} 人转入其他学习中心）` : ''}${result.rejected ? `，跳过有误的 ${result.rejected} 行` : ''}`}
        />
      ) : (
        <Alert
          type="error"
          showIcon
          title={`文件中有 ${badRows} 行存在错误，未导入任何数据`}
          description="请修改后重新上传；或选择“仅导入正确的行”，有误的行将被跳过。"
        />
      )}
      <Descriptions
        size="small"
        column={5}
        style={{ marginTop: 12 }}
        items={[
          { key: 'total', label: '数据行数', children: result.total },
          { key: 'inserted', label: '新增', children: result.inserted },
          { key: 'updated', label: '更新', children: result.updated },
          { key: 'moved', label: '转学习中心', children: result.moved },
          { key: 'rejected', label: '有误', children: result.rejected },
        ]}
      />
      {result.errorCount > result.errors.length && (
        <Alert
          type="info"
          style={{ marginTop: 12 }}
          title={`共 ${result.errorCount} 处错误，下面列出前 ${result.errors.length} 处；修正后重新上传可看到其余错误`}
        />
      )}
      {result.errors.length > 0 && (
        <Table<RosterRowError>
          data-testid="roster-errors"
          rowKey={(e) => `${e.row}-${e.column}-${e.reason}`}
          size="small"
          dataSource={result.errors}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={[
            { key: 'row', title: '行号', dataIndex: 'row', width: 80 },
            { key: 'column', title: '列', dataIndex: 'column', width: 140 },
            { key: 'reason', title: '错误原因', dataIndex: 'reason' },
          ]}
        />
      )}
    </>
  );
}
