import { InboxOutlined } from '@ant-design/icons';
import { Button, Card, Flex, Space, Typography, Upload } from 'antd';
import { useState } from 'react';
import type { RosterImportResponse } from '../../../../src/domain/admin-api.js';
import { ApiFailure, api } from '../api.js';
import { Failure } from '../components/Failure.js';
import { RosterResult } from '../components/RosterResult.js';

/** A rejected import (422 roster.invalid) carries the validation result next to the message. */
function resultOf(e: unknown): RosterImportResponse | undefined {
  if (e instanceof ApiFailure && Array.isArray(e.body.errors)) return e.body as unknown as RosterImportResponse;
  return undefined;
}

export function RosterPage() {
  const [file, setFile] = useState<File>();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<RosterImportResponse>();
  const [error, setError] = useState<Error>();

  async function upload(acceptGoodRows: boolean) {
    if (!file) return;
    setBusy(true);
    setError(undefined);
    try {
      setResult(await api.roster(file, acceptGoodRows));
    } catch (e) {
      const rejected = resultOf(e);
      setResult(rejected);
      if (!rejected) setError(e as Error);
    } finally {
      setBusy(false);
    }
  }

  const canAcceptGood = result && !result.imported && result.total > result.rejected;

  return (
    <Flex vertical gap={16}>
      <Card size="small" title="上传花名册">
        <Typography.Paragraph type="secondary">
          支持 CSV（UTF-8 或 GBK）与 Excel（.xlsx）文件，第一行为表头。必填列：学号、姓名、身份证号、学习中心代码、
          入学学期；可选列：学籍状态、手机。同一学号再次导入时更新您管理范围内该学生的信息。系统先校验全部行，全部正确才导入。
          每个文件最多 5 万行（以服务器设置为准），更多请拆分为多个文件。
        </Typography.Paragraph>
        <Upload.Dragger
          accept=".csv,.xlsx,.txt"
          maxCount={1}
          beforeUpload={(f) => {
            // Upload on the button, not on drop, so the admin can choose how to treat bad rows.
            setFile(f);
            setResult(undefined);
            return false;
          }}
          onRemove={() => setFile(undefined)}
          fileList={file ? [{ uid: 'roster', name: file.name, status: 'done' }] : []}
        >
          <p className="ant-upload-drag-icon">
            <InboxOutlined />
          </p>
          <p className="ant-upload-text">点击或拖拽花名册文件到此处</p>
        </Upload.Dragger>
        <Space style={{ marginTop: 12 }}>
          <Button type="primary" disabled={!file} loading={busy} onClick={() => upload(false)}>
            校验并导入
          </Button>
          {canAcceptGood && (
            <Button danger loading={busy} onClick={() => upload(true)}>
              仅导入正确的行
            </Button>
          )}
        </Space>
      </Card>
      {error && <Failure error={error} />}
      {result && (
        <Card size="small" title="导入结果">
          <RosterResult result={result} />
        </Card>
      )}
    </Flex>
  );
}
