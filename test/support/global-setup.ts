import { prepareTemplate, serverUrl } from './database';

export default async function globalSetup(): Promise<void> {
  const url = serverUrl();
  if (url) await prepareTemplate(url);
}
