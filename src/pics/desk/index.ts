/** 客服工作台: the agents' queue and a ticket's handling, hotline entry, 管制稽催. */
export { createDeskService, type DeskService } from './service';
export { deskRoutes } from './routes';
export { deskJobs, remindOverdue } from './jobs';
