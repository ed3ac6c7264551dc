/** The OpenAPI document of the WebHR channel. */
export const OPENAPI = {
  openapi: '3.0.3',
  info: {
    title: 'PICS 人事資訊系統客服網 WebHR 介接 API',
    version: '1.0.0',
    description: 'WebHR「業務指引/PICS 問題登錄」以此 API 為公務人員登錄問題（收件序號來源碼 W）。',
  },
  servers: [{ url: '/' }],
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: '人事總處核發予 WebHR 系統之 API 金鑰（pics_xxxxxxxx_...）' } },
    schemas: {
      TicketRequest: {
        type: 'object',
        required: ['nationalId', 'subject', 'description', 'phone', 'email'],
        properties: {
          nationalId: { type: 'string', pattern: '^[A-Z][0-9]{9}$', description: '提問者身分證統一編號（須在公務人力資料庫）' },
          kind: { type: 'string', enum: ['問題', '建議'], default: '問題', description: '問題來源' },
          appCode: { type: 'string', nullable: true, maxLength: 10, description: '系統類別（應用系統代碼，例如 A1）' },
          subject: { type: 'string', maxLength: 200, description: '問題主旨（200 字以內）' },
          description: { type: 'string', maxLength: 4000, description: '問題說明' },
          phone: { type: 'string', maxLength: 30, description: '辦公室電話' },
          email: { type: 'string', format: 'email', description: 'Email（聯絡用；案件通知寄至提問者帳號的電子郵件，帳號未設定時才寄至此 Email）' },
        },
      },
      TicketCreated: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          receiptNo: { type: 'string', pattern: '^[0-9]{6}W[0-9]{5}$', example: '202611W00001' },
          url: { type: 'string', description: '提問者於 PICS 檢視此案件之網址' },
        },
      },
      Error: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            properties: {
              code: { type: 'string', enum: ['unauthorized', 'invalid_request', 'invalid_form', 'person_not_found'] },
              message: { type: 'string' },
              fields: { type: 'object', additionalProperties: { type: 'string' } },
            },
          },
        },
      },
    },
  },
  paths: {
    '/api/pics/tickets': {
      post: {
        summary: '線上掛號（WebHR）',
        security: [{ bearer: [] }],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/TicketRequest' } } } },
        responses: {
          '201': { description: '已掛號', content: { 'application/json': { schema: { $ref: '#/components/schemas/TicketCreated' } } } },
          '400': { description: '資料有誤（fields 為各欄位之訊息）', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          '401': { description: '未提供或無效之 API 金鑰', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          '404': { description: '公務人力資料庫查無此人', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      },
    },
  },
} as const;
