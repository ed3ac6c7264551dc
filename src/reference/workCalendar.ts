/**
 * The government work calendar (行政院人事行政總處 政府行政機關辦公日曆表): weekday
 * holidays and the weekend days worked. Since the 2025 amendment of the holidays act
 * the calendar of 115 (2026) has no make-up workdays; 116 (2027) is as announced so far.
 */
export const WORK_CALENDAR: { day: string; kind: 'holiday' | 'workday'; name: string }[] = [
  { day: '2026-01-01', kind: 'holiday', name: '開國紀念日' },
  { day: '2026-02-16', kind: 'holiday', name: '農曆除夕' },
  { day: '2026-02-17', kind: 'holiday', name: '春節（初一）' },
  { day: '2026-02-18', kind: 'holiday', name: '春節（初二）' },
  { day: '2026-02-19', kind: 'holiday', name: '春節（初三）' },
  { day: '2026-02-20', kind: 'holiday', name: '小年夜補假' },
  { day: '2026-02-27', kind: 'holiday', name: '和平紀念日補假' },
  { day: '2026-04-03', kind: 'holiday', name: '兒童節補假' },
  { day: '2026-04-06', kind: 'holiday', name: '民族掃墓節補假' },
  { day: '2026-05-01', kind: 'holiday', name: '勞動節' },
  { day: '2026-06-19', kind: 'holiday', name: '端午節' },
  { day: '2026-09-25', kind: 'holiday', name: '中秋節' },
  { day: '2026-09-28', kind: 'holiday', name: '教師節' },
  { day: '2026-10-09', kind: 'holiday', name: '國慶日補假' },
  { day: '2026-10-26', kind: 'holiday', name: '臺灣光復暨金門古寧頭大捷紀念日補假' },
  { day: '2026-12-25', kind: 'holiday', name: '行憲紀念日' },
  { day: '2027-01-01', kind: 'holiday', name: '開國紀念日' },
  { day: '2027-02-04', kind: 'holiday', name: '小年夜' },
  { day: '2027-02-05', kind: 'holiday', name: '農曆除夕' },
  { day: '2027-02-08', kind: 'holiday', name: '春節（初三）' },
  { day: '2027-02-09', kind: 'holiday', name: '春節（初一）補假' },
  { day: '2027-02-10', kind: 'holiday', name: '春節（初二）補假' },
  { day: '2027-03-01', kind: 'holiday', name: '和平紀念日補假' },
  { day: '2027-04-05', kind: 'holiday', name: '民族掃墓節' },
  { day: '2027-04-06', kind: 'holiday', name: '兒童節補假' },
  { day: '2027-04-30', kind: 'holiday', name: '勞動節補假' },
  { day: '2027-06-09', kind: 'holiday', name: '端午節' },
  { day: '2027-09-15', kind: 'holiday', name: '中秋節' },
  { day: '2027-09-28', kind: 'holiday', name: '教師節' },
  { day: '2027-10-11', kind: 'holiday', name: '國慶日補假' },
  { day: '2027-10-25', kind: 'holiday', name: '臺灣光復暨金門古寧頭大捷紀念日' },
  { day: '2027-12-24', kind: 'holiday', name: '行憲紀念日補假' },
];
