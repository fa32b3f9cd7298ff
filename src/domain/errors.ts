// Error codes the engine and the API return, each with the message a student or admin sees.
// Messages never include personal data; callers add only non-personal detail.
import { ADMIN_LOCKOUT } from './password-policy.js';

export const ERRORS = {
  // Photo input (engine).
  'image.empty': { status: 400, zh: '文件为空，请重新选择照片', en: 'The file is empty' },
  'image.unsupported_type': {
    status: 415,
    zh: '不支持的文件格式，请上传 JPG、PNG 或 WebP 照片',
    en: 'Unsupported file type: upload a JPEG, PNG or WebP photo',
  },
  'image.heic': {
    status: 415,
    zh: '暂不支持 HEIC 格式。请在 iPhone「设置 → 相机 → 格式」中选择「兼容性最佳」后重拍，或截图后上传',
    en: 'HEIC is not supported: set Settings → Camera → Formats → Most Compatible, or upload a JPEG',
  },
  'image.animated': {
    status: 415,
    zh: '不支持动图，请上传一张静态照片',
    en: 'Animated images are not supported: upload a still photo',
  },
  'image.corrupt': {
    status: 422,
    zh: '照片文件已损坏，无法读取，请重新拍摄',
    en: 'The image is damaged and cannot be read',
  },
  'image.too_large': {
    status: 413,
    zh: '照片像素过大（上限 5000 万像素），请压缩后上传',
    en: 'The image has too many pixels (limit 50 megapixels)',
  },
  'image.file_too_large': { status: 413, zh: '文件过大，请上传 20MB 以内的照片', en: 'The file is too large' },
  'image.too_small': {
    status: 422,
    zh: '照片分辨率太低，请使用手机相机直接拍摄',
    en: 'The image resolution is too low',
  },
  'engine.busy': { status: 503, zh: '系统繁忙，请稍后再试', en: 'The photo service is busy, try again shortly' },
  'engine.crashed': {
    status: 500,
    zh: '照片处理出错，请重新上传',
    en: 'Processing failed unexpectedly, please upload again',
  },
  'engine.timeout': { status: 504, zh: '照片处理超时，请重新上传', en: 'Processing timed out' },
  // Collection service.
  'request.invalid': { status: 400, zh: '请求格式不正确，请检查后重试', en: 'The request is malformed' },
  'request.not_found': { status: 404, zh: '请求的地址不存在', en: 'No such endpoint' },
  'request.too_large': { status: 413, zh: '上传内容过大', en: 'The request body is too large' },
  'request.no_file': { status: 400, zh: '请选择要上传的文件', en: 'No file in the upload' },
  rate_limited: { status: 429, zh: '操作过于频繁，请稍后再试', en: 'Too many requests, try again later' },
  internal: { status: 500, zh: '系统出错，请稍后再试', en: 'Internal error' },
  // The database server is down, restarting or unreachable (app.ts recognises the driver's
  // connection failures): a wait, not a fault of the request. Same code as /healthz answers then.
  'database.unavailable': {
    status: 503,
    zh: '系统繁忙，请稍后再试',
    en: 'The service is briefly unavailable, try again in a few seconds',
  },
  'student.not_found': {
    status: 404,
    zh: '未找到该学号，请核对后重新输入，或联系所在学习中心',
    en: 'No student with this number',
  },
  'student.id_invalid': {
    status: 400,
    zh: '身份证号格式不正确（18 位，最后一位可能是 X），请核对',
    en: 'The ID number is not a valid 18-character resident ID',
  },
  'student.id_mismatch': {
    status: 401,
    zh: '身份证号与学籍信息不一致，请核对后重新输入',
    en: 'The ID number does not match the record',
  },
  'student.not_enrolled': {
    status: 403,
    zh: '您的学籍状态不需要采集照片，如有疑问请联系学习中心',
    en: 'Your enrolment status does not require a photo',
  },
  'auth.required': { status: 401, zh: '请先登录', en: 'Sign in first' },
  'auth.invalid_credentials': { status: 401, zh: '用户名或密码错误', en: 'Wrong username or password' },
  'auth.forbidden': { status: 403, zh: '您没有权限执行此操作', en: 'Your role may not do this' },
  'auth.out_of_scope': { status: 403, zh: '该单位不在您的管理范围内', en: 'This unit is outside your scope' },
  'session.expired': { status: 401, zh: '登录已过期，请重新验证身份', en: 'Your session has expired, sign in again' },
  'consent.required': { status: 403, zh: '请先阅读并同意《照片采集协议》', en: 'Accept the agreement first' },
  'consent.version_mismatch': {
    status: 409,
    zh: '协议已更新，请重新阅读后同意',
    en: 'The agreement has changed: read and accept the current version',
  },
  'campaign.none': { status: 404, zh: '当前没有照片采集任务', en: 'No photo campaign at the moment' },
  'campaign.not_started': { status: 403, zh: '照片采集尚未开始', en: 'Photo collection has not started yet' },
  'campaign.closed': { status: 403, zh: '照片采集已结束', en: 'Photo collection has closed' },
  'campaign.exempt': {
    status: 403,
    zh: '您近期已有审核通过的照片，本次无需再采集',
    en: 'A recently approved photo exempts you from this collection',
  },
  'campaign.not_found': { status: 404, zh: '采集活动不存在', en: 'No such campaign' },
  'campaign.name_required': { status: 400, zh: '请填写活动名称', en: 'A campaign name is required' },
  'campaign.semester_invalid': {
    status: 400,
    zh: '学期格式应为 年份-1（春季）或 年份-2（秋季），如 2026-2',
    en: 'The semester must look like 2026-1 (spring) or 2026-2 (autumn)',
  },
  'campaign.window_invalid': {
    status: 400,
    zh: '结束时间须晚于开始时间，且采集期不超过 1 年',
    en: 'The window must end after it starts and last at most a year',
  },
  'campaign.window_overlap': {
    status: 409,
    zh: '与已有采集活动的时间段重叠，请调整开始或结束时间',
    en: 'The window overlaps another campaign',
  },
  'campaign.exemption_invalid': {
    status: 400,
    zh: '免采学期数须为 0 到 10 之间的整数',
    en: 'Exemption semesters must be an integer from 0 to 10',
  },
  'campaign.spec_unknown': { status: 400, zh: '未知的照片规格，请从列表中选择', en: 'Unknown photo spec' },
  'campaign.spec_locked': {
    status: 409,
    zh: '该活动已有学生上传照片，不能再更改照片规格',
    en: 'Photos already exist in this campaign: its spec cannot change',
  },
  'unit.not_found': { status: 404, zh: '单位不存在', en: 'No such unit' },
  // Exam entry (1:1 verification).
  'exam.no_photo': {
    status: 404,
    zh: '该学生没有审核通过的考试照片，无法进行人脸比对，请按考场规定人工核验',
    en: 'This student has no approved exam photo to compare with',
  },
  'exam.no_face': {
    status: 422,
    zh: '现场照片中未检测到人脸，请考生正对摄像头、摘下口罩后重新拍摄',
    en: 'No face found in the live photo: face the camera and retake',
  },
  'exam.face_covered': {
    status: 422,
    zh: '现场照片中人脸被遮挡（口罩、墨镜等），请考生摘下遮挡物、正对摄像头后重新拍摄',
    en: 'The face in the live photo is covered (mask, sunglasses): uncover it and retake',
  },
  // The 考场核验 station: sessions and overrides.
  'exam.frame_too_large': {
    status: 413,
    zh: '人脸框检测只接受长边不超过 320 像素、200KB 以内的小画面',
    en: 'Face-box detection takes a small frame only (long side ≤ 320 px, ≤ 200 KB)',
  },
  'exam.session_not_found': { status: 404, zh: '考场场次不存在', en: 'No such exam session' },
  'exam.session_invalid': {
    status: 400,
    zh: '请填写场次名称（不超过 60 字）、考场（不超过 40 字）和开考时间',
    en: 'A session needs a name (≤ 60 characters), a room (≤ 40) and a start time',
  },
  'exam.session_centre_required': {
    status: 400,
    zh: '考场场次须属于一个学习中心，请选择学习中心',
    en: 'An exam session belongs to a learning centre: choose one',
  },
  'exam.check_not_found': { status: 404, zh: '核验记录不存在', en: 'No such check' },
  'exam.override_reason_required': {
    status: 400,
    zh: '请填写人工核对的理由（不超过 200 字）',
    en: 'An override needs a reason (≤ 200 characters)',
  },
  'unit.name_required': {
    status: 400,
    zh: '请填写单位名称（不超过 60 字）',
    en: 'A unit name (≤ 60 characters) is required',
  },
  'unit.code_invalid': {
    status: 400,
    zh: '单位代码为 1–32 位字母、数字、短横线或下划线',
    en: 'A unit code is 1–32 letters, digits, dashes or underscores',
  },
  'unit.code_taken': { status: 409, zh: '单位代码已存在，请换一个', en: 'This unit code is already in use' },
  'unit.parent_invalid': {
    status: 400,
    zh: '分部/学院只能建在总部下，学习中心只能建在分部/学院下',
    en: 'Branches go under HQ, centres under a branch',
  },
  'admin.not_found': { status: 404, zh: '管理员账号不存在', en: 'No such admin account' },
  'admin.username_invalid': {
    status: 400,
    zh: '用户名为 3–32 位字母、数字、点、短横线或下划线',
    en: 'A username is 3–32 letters, digits, dots, dashes or underscores',
  },
  'admin.username_taken': { status: 409, zh: '用户名已被使用，请换一个', en: 'This username is taken' },
  'admin.display_name_required': {
    status: 400,
    zh: '请填写显示名称（不超过 40 字）',
    en: 'A display name (≤ 40 characters) is required',
  },
  // checkPasswordPolicy (src/domain/password-policy.ts) appends the rule that failed.
  'admin.password_weak': { status: 400, zh: '密码不符合要求', en: 'The password is too weak' },
  'admin.role_unit_mismatch': {
    status: 400,
    zh: '该角色不能设在所选单位：总部管理员设在总部，分部管理员设在分部/学院，学习中心管理员设在学习中心，审核员设在总部或分部/学院',
    en: 'This role cannot belong to a unit of that level',
  },
  'admin.self_disable': { status: 409, zh: '不能停用自己的账号', en: 'You cannot disable your own account' },
  'photo.not_found': { status: 404, zh: '照片不存在', en: 'No such photo' },
  'photo.not_ready': { status: 409, zh: '照片尚未制作完成，请稍候', en: 'The photo is not ready yet' },
  'photo.failed_checks': {
    status: 422,
    zh: '照片未通过检测，请按提示重新拍摄后再提交',
    en: 'The photo failed a check: take a new one before submitting',
  },
  'photo.background_unavailable': {
    status: 400,
    zh: '所选背景色不可用，请重新选择',
    en: 'This background colour is not available',
  },
  'photo.already_submitted': {
    status: 409,
    zh: '您已提交照片，无需重复提交',
    en: 'A photo has already been submitted',
  },
  'photo.not_pending_review': {
    status: 409,
    zh: '该照片已审核或不在待审核状态',
    en: 'The photo is not awaiting review',
  },
  'photo.reason_required': { status: 400, zh: '退回照片时请填写原因', en: 'A reason is required to reject' },
  'roster.invalid': {
    status: 422,
    zh: '名单中有错误行，未导入任何数据；请修正后重新上传，或选择只导入正确的行',
    en: 'The roster has invalid rows; nothing was imported',
  },
  'roster.unsupported_type': { status: 415, zh: '请上传 CSV 或 XLSX 格式的名单', en: 'Upload a CSV or XLSX file' },
  'roster.empty': { status: 400, zh: '名单为空或缺少表头', en: 'The roster is empty or has no header row' },
  'roster.too_many_rows': {
    status: 400,
    zh: '名单行数超过上限，未导入任何数据；请拆分成多个文件后分别导入',
    en: 'The roster has too many rows; nothing was imported. Split it into several files',
  },
  'roster.too_large': {
    status: 400,
    zh: '名单文件解压后内容过大或结构异常，无法读取；请删除多余的工作表和格式，或另存为 CSV 后重新上传',
    en: 'The XLSX file unpacks to too much data or is malformed: remove extra sheets and formatting, or save it as CSV',
  },
  'roster.changed': {
    status: 409,
    zh: '导入期间学生信息被同时修改，未导入任何数据；请重新上传',
    en: 'Students changed during the import; nothing was imported. Upload the file again',
  },
  'student.move_target': { status: 400, zh: '请选择要转入的学习中心', en: 'Students move to a learning centre' },
  // Limits that slow down rather than lock out (KaozhaoError.wait adds how long to wait).
  'student.verify_wait': {
    status: 429,
    zh: '该学号的身份证号核对失败次数较多，为保护您的信息',
    en: 'Too many wrong ID numbers for this student number',
  },
  'photo.processing': {
    status: 409,
    zh: '您有一张照片正在制作中，请等它制作完成（通常不到 1 分钟）后再上传；之前的照片不会丢失',
    en: 'A photo of yours is still being made: wait for it to finish before uploading another',
  },
  'photo.upload_rate': {
    status: 429,
    zh: '上传照片次数过多',
    en: 'Too many photos uploaded in a short time',
  },
  'request.multiple_files': {
    status: 400,
    zh: '一次只能上传一个文件，请只选择一张照片',
    en: 'Send one file per upload',
  },
  // Cross-site request forgery: a change must come from this site's own pages.
  'request.cross_origin': {
    status: 403,
    zh: '该请求来自其他网站，已被拒绝；请直接打开本系统的页面操作',
    en: 'Refused: the request came from another site',
  },
  'request.origin_required': {
    status: 403,
    zh: '该请求缺少来源信息，已被拒绝；请直接打开本系统的页面操作',
    en: 'Refused: a change needs a same-origin Origin header or a JSON or multipart body',
  },
  // Admin sign-in and account hygiene.
  // KaozhaoError.wait adds the time left.
  'auth.account_locked': {
    status: 423,
    zh: `连续 ${ADMIN_LOCKOUT.failures} 次密码错误，账号已临时锁定（上级管理员可解锁）`,
    en: `${ADMIN_LOCKOUT.failures} wrong passwords in a row: the account is locked (an admin above it can unlock it)`,
  },
  'auth.password_change_required': {
    status: 403,
    zh: '该账号的密码由其他管理员设置，请先修改密码后再使用',
    en: 'Another admin set this password: change it before going on',
  },
  'admin.current_password_wrong': { status: 403, zh: '当前密码不正确', en: 'The current password is wrong' },
  'admin.password_unchanged': {
    status: 400,
    zh: '新密码不能与当前密码相同',
    en: 'The new password must differ from the current one',
  },
  'admin.self_password': {
    status: 409,
    zh: '修改自己的密码请使用「修改密码」，需输入当前密码',
    en: 'Change your own password with POST /api/admin/password (it needs the current one)',
  },
  // Entry links and QR codes (src/domain/entry.ts).
  'entry.centre_only': {
    status: 400,
    zh: '入口链接和二维码按学习中心生成，请选择一个学习中心',
    en: 'Entry links and QR codes are made per learning centre: choose a centre',
  },
  'entry.centre_not_found': {
    status: 404,
    zh: '未找到该学习中心，请核对链接或扫描学习中心张贴的二维码',
    en: 'No such learning centre: check the link or scan the code on the centre poster',
  },
  'campaign.contact_unit_unknown': {
    status: 400,
    zh: '联系方式中填写的单位代码不存在，请核对（留空则对所有学生显示）',
    en: 'A contact names a unit code that does not exist (leave it empty to show it to every student)',
  },
  // Reminders to students who have not submitted (src/domain/reminders.ts).
  'reminder.campaign_not_open': {
    status: 409,
    zh: '该采集活动不在采集期内（尚未开始或已结束），不能发送催交提醒',
    en: 'The campaign is not open: reminders go out only during its window',
  },
  'reminder.send_not_found': { status: 404, zh: '该提醒发送任务不存在', en: 'No such reminder send' },
  'reminder.link_invalid': {
    status: 404,
    zh: '退订链接无效，请核对短信或邮件中的链接，或联系学习中心',
    en: 'This opt-out link is not valid: check the link in the message, or ask your learning centre',
  },
  'student.erase_confirm': {
    status: 400,
    zh: '请再次输入该学生的学号以确认删除；删除后照片和个人信息无法恢复',
    en: "Type the student's number again to confirm: the erasure cannot be undone",
  },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** A typed error with a code, an HTTP status and user-facing messages. Nothing personal inside. */
export class KaozhaoError extends Error {
  readonly code: string;
  readonly status: number;
  readonly zh: string;
  readonly en: string;

  constructor(code: string, status: number, zh: string, en: string, options?: { cause?: unknown }) {
    super(en, options);
    this.name = 'KaozhaoError';
    this.code = code;
    this.status = status;
    this.zh = zh;
    this.en = en;
  }

  static of(code: ErrorCode, options?: { cause?: unknown }): KaozhaoError {
    const e = ERRORS[code];
    return new KaozhaoError(code, e.status, e.zh, e.en, options);
  }

  /** Seconds until the same request may succeed; the error handler sends it as Retry-After. */
  retryAfterSeconds?: number;

  /** A refusal that ends by itself: the message says how long to wait, Retry-After carries it. */
  static wait(code: ErrorCode, seconds: number): KaozhaoError {
    const e = ERRORS[code];
    const s = Math.max(1, Math.ceil(seconds));
    const minutes = Math.ceil(s / 60);
    const zh = s < 120 ? `${s} 秒` : `${minutes} 分钟`;
    const en = s < 120 ? `${s} s` : `${minutes} min`;
    const err = new KaozhaoError(code, e.status, `${e.zh}，请 ${zh}后再试`, `${e.en}: try again in ${en}`);
    err.retryAfterSeconds = s;
    return err;
  }

  toJSON(): { code: string; message: string; messageEn: string } {
    return { code: this.code, message: this.zh, messageEn: this.en };
  }
}
