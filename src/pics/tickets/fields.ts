/** The ticket fields of a posted form, as strings. */
export function ticketFields(body: Record<string, unknown>) {
  const s = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : Array.isArray(body[k]) ? undefined : (body[k] as undefined));
  return {
    kind: s('kind') as '問題' | '建議',
    appCode: s('appCode') ?? null,
    subject: s('subject') as string,
    description: s('description') as string,
    phone: s('phone') as string,
    email: s('email') as string,
  };
}

