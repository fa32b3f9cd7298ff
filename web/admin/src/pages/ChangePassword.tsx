import { LockOutlined, LogoutOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import type { AdminSelf, PasswordChangeRequest } from '../../../../src/domain/admin-api.js';
import { api } from '../api.js';
import { NewPasswordFields } from '../components/NewPasswordFields.js';

type Values = PasswordChangeRequest & { confirm: string };

/** The current password and a new one; `onChanged` gets the account as it now is. */
export function PasswordChangeForm({
  me,
  submitLabel,
  onChanged,
}: {
  me: AdminSelf;
  submitLabel: string;
  onChanged: (me: AdminSelf) => void | Promise<void>;
}) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit({ currentPassword, newPassword }: Values) {
    setBusy(true);
    setError(undefined);
    try {
      await onChanged(await api.changePassword({ currentPassword, newPassword }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Form<Values> layout="vertical" onFinish={submit} requiredMark={false} data-testid="password-change">
      {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 16 }} />}
      {/* For the browser's password manager: which account this password belongs to. */}
      <input type="text" name="username" autoComplete="username" value={me.username} readOnly hidden />
      <Form.Item name="currentPassword" label="当前密码" rules={[{ required: true, message: '请输入当前密码' }]}>
        <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
      </Form.Item>
      <NewPasswordFields name="newPassword" label="新密码" confirmLabel="确认新密码" username={me.username} />
      <Button type="primary" htmlType="submit" block loading={busy}>
        {submitLabel}
      </Button>
    </Form>
  );
}

/**
 * Shown instead of the console while the password is one another admin chose (a new account, a
 * reset): the server answers nothing else until it is changed.
 */
export function ForcedPasswordChangePage({
  me,
  onChanged,
  onLogout,
}: {
  me: AdminSelf;
  onChanged: (me: AdminSelf) => Promise<void>;
  onLogout: () => void;
}) {
  return (
    <div className="kz-login">
      <Card style={{ width: 420 }}>
        <Typography.Title level={3} style={{ textAlign: 'center', marginTop: 0 }}>
          请先修改密码
        </Typography.Title>
        <Typography.Paragraph type="secondary">
          账号 <Typography.Text strong>{me.username}</Typography.Text>{' '}
          的密码由其他管理员设置。为确保只有您本人知道密码，请设置一个新密码后再继续使用。
        </Typography.Paragraph>
        <PasswordChangeForm me={me} submitLabel="修改密码并进入" onChanged={onChanged} />
        <Button type="link" icon={<LogoutOutlined />} block onClick={onLogout} style={{ marginTop: 8 }}>
          退出登录
        </Button>
      </Card>
    </div>
  );
}
