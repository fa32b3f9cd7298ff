import { Alert, Button } from 'antd';
import { isMissingEndpoint } from '../api.js';

/** An API error as the server worded it (zh-CN), with a retry. */
export function Failure({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const missing = isMissingEndpoint(error);
  return (
    <Alert
      type={missing ? 'warning' : 'error'}
      showIcon
      title={missing ? '服务端尚未提供此功能的接口' : error.message}
      description={missing ? '该页面已就绪，待服务端接口上线后即可使用。' : undefined}
      action={
        onRetry && !missing ? (
          <Button size="small" onClick={onRetry}>
            重试
          </Button>
        ) : undefined
      }
      style={{ marginBottom: 16 }}
    />
  );
}
