/** 智慧客服: answers questions from the portal's own content; the 客服主管 sees what it could not answer. */
export { createAssistant, type Assistant } from './service';
export { assistantRoutes } from './routes';
