import { Form, type FormRule, Input } from 'antd';
import {
  checkPasswordPolicy,
  PASSWORD_MAX_LENGTH,
  PASSWORD_POLICY_HINT,
  PASSWORD_RULES,
} from '../../../../src/domain/password-policy.js';

/**
 * A new password and its confirmation (create, reset, change), checked in the browser by the
 * server's own policy so the form names the rule before anything is sent. The account name is
 * `username`, or the form's `username` field while an account is being created.
 */
export function NewPasswordFields({
  name = 'password',
  label,
  confirmLabel,
  username,
}: {
  name?: string;
  label: string;
  confirmLabel: string;
  username?: string;
}) {
  const policy: FormRule = ({ getFieldValue }) => ({
    validator: (_, v?: string) => {
      if (!v) return Promise.resolve();
      const rule = checkPasswordPolicy(username ?? String(getFieldValue('username') ?? ''), v);
      return rule ? Promise.reject(new Error(`密码${PASSWORD_RULES[rule].zh}`)) : Promise.resolve();
    },
  });
  return (
    <>
      <Form.Item
        name={name}
        label={label}
        extra={PASSWORD_POLICY_HINT}
        dependencies={username === undefined ? ['username'] : []}
        rules={[{ required: true, message: '请输入密码' }, policy]}
      >
        <Input.Password autoComplete="new-password" maxLength={PASSWORD_MAX_LENGTH} />
      </Form.Item>
      <Form.Item
        name="confirm"
        label={confirmLabel}
        dependencies={[name]}
        rules={[
          { required: true, message: '请再次输入密码' },
          ({ getFieldValue }) => ({
            validator: (_, v: string) =>
              !v || v === getFieldValue(name) ? Promise.resolve() : Promise.reject(new Error('两次输入不一致')),
          }),
        ]}
      >
        <Input.Password autoComplete="new-password" maxLength={PASSWORD_MAX_LENGTH} />
      </Form.Item>
    </>
  );
}
