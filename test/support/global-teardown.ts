import { dropTemplate, serverUrl } from './database';

export default async function globalTeardown(): Promise<void> {
  const url = serverUrl();
  if (url) await dropTemplate(url);
}
