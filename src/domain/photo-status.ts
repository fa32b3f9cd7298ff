// Lifecycle of one photo attempt. processing → ready (or failed) → submitted → approved,
// or → needs_review → approved / rejected.
export const PHOTO_STATUSES = [
  'processing',
  'ready',
  'failed',
  'submitted',
  'needs_review',
  'approved',
  'rejected',
] as const;
export type PhotoStatus = (typeof PHOTO_STATUSES)[number];

export const PHOTO_STATUS_LABELS: Record<PhotoStatus, { zh: string; en: string }> = {
  processing: { zh: '制作中', en: 'Processing' },
  ready: { zh: '待提交', en: 'Ready to submit' },
  failed: { zh: '制作失败', en: 'Failed' },
  submitted: { zh: '已提交', en: 'Submitted' },
  needs_review: { zh: '待审核', en: 'Awaiting review' },
  approved: { zh: '审核通过', en: 'Approved' },
  rejected: { zh: '未通过', en: 'Rejected' },
};

/** Statuses that count as "the student has submitted a photo" for progress figures. */
export const SUBMITTED_STATUSES = ['submitted', 'needs_review', 'approved'] as const satisfies readonly PhotoStatus[];
