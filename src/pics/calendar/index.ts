/** 辦公日曆: the government work calendar every due day counts on, and its upkeep by the supervisors. */
export { createWorkCalendar, shiftDay, weekdayOf, type CalendarDay, type WorkCalendar } from './workCalendar';
export { createCalendarAdmin, type CalendarAdmin } from './service';
export { calendarRoutes } from './routes';
