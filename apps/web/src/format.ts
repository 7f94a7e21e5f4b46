const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatDateTime = (d: Date) => dateTime.format(d);

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
