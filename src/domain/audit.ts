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
  'admin.unlock': '解除登录锁定',
  // Sign-ins: a failure names the account only when it exists (a mistyped password can land in the
  // username field), and never holds the password tried.
  'auth.login': '登录',
  'auth.login_failed': '登录失败',
  'auth.locked': '账号锁定',
  'auth.password_change': '修改本人密码',
  // A student put in another learning centre: one entry in the old centre's scope, one in the new.
  'student.move': '学生转学习中心',
  // A photo uploaded by a student who opened a learning centre's entry link (poster, chat group):
  // in the scope of the centre whose link it was, so the centre sees what its poster brings.
  'entry.upload': '经入口链接上传照片',
  // The 考场核验 station (the checks themselves are exam.verify).
  'exam.session_create': '新建考场场次',
  'exam.override': '考场人工核对',
  'exam.export': '导出考场核验记录',
  // Reminders (催交提醒): a send, in the scope of each centre whose students it queued; the
  // opt-out of one student, set or lifted by an admin of its scope.
  'reminder.send': '发送催交提醒',
  'reminder.opt_out': '学生退订提醒',
  'reminder.opt_in': '学生恢复提醒',
  // PIPL erasure: the entry names the student only by a keyed pseudonym (the row is gone).
  'student.erase': '删除学生个人信息',
  // The retention sweep (KAOZHAO_RETENTION_DAYS): counts only, no admin, no student.
  'retention.sweep': '定期清理过期照片',
} as const;
export type AuditAction = keyof typeof AUDIT_ACTIONS;
