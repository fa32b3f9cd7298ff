// The actions the audit log records, with the label the console shows: one list for the server
// (AuditEntry.action is typed by it) and the console.
export const AUDIT_ACTIONS = {
  'export.uncollected': '导出未采集名单',
  'export.photos': '导出照片',
  'review.approve': '审核通过',
  'review.reject': '审核退回',
  'roster.import': '导入花名册',
  'campaign.create': '新建采集活动',
  'campaign.update': '修改采集活动',
  'unit.create': '新建单位',
  'unit.rename': '单位改名',
  'admin.create': '新建管理员',
  'admin.disable': '停用管理员',
  'admin.enable': '启用管理员',
  'admin.password_reset': '重置密码',
  'admin.rename': '修改管理员名称',
  'exam.verify': '考场人脸核验',
} as const;
export type AuditAction = keyof typeof AUDIT_ACTIONS;
