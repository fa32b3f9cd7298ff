import { Form, Input, Modal, Select } from 'antd';
import { useState } from 'react';
import { CHECKS, type CheckResult } from '../../../../src/domain/checks.js';

const COMMON_REASONS = ['照片模糊，请在光线充足处重新拍摄', '不是本人近期正面免冠照片', '背景不符合要求，请重新拍摄'];

/** Asks why a photo is rejected; the reason is shown to the student, so it should say what to fix. */
export function RejectDialog({
  open,
  report,
  onCancel,
  onReject,
}: {
  open: boolean;
  report: CheckResult[];
  onCancel: () => void;
  onReject: (reason: string) => Promise<void>;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  // The flagged checks are the likely reasons: offer their advice to the student first.
  const suggestions = [
    ...report.filter((r) => r.status !== 'pass').map((r) => `${CHECKS[r.id]?.zh ?? r.id}：${r.message.zh}`),
    ...COMMON_REASONS,
  ];

  async function confirm() {
    setBusy(true);
    try {
      await onReject(reason.trim());
      setReason('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      title="退回照片"
      open={open}
      okText="确认退回"
      okButtonProps={{ danger: true, disabled: reason.trim() === '' }}
      confirmLoading={busy}
      onOk={confirm}
      onCancel={onCancel}
      destroyOnHidden
    >
      <Form layout="vertical">
        <Form.Item label="常用原因">
          <Select
            placeholder="选择一个原因，或在下方填写"
            options={suggestions.map((s) => ({ value: s, label: s }))}
            onChange={(v: string) => setReason(v.slice(0, 200))}
          />
        </Form.Item>
        <Form.Item label="退回原因（学生可见）" required>
          <Input.TextArea
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={200}
            showCount
            rows={3}
            placeholder="请说明照片哪里不符合要求、应如何重拍"
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
