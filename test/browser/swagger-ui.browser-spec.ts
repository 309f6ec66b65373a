import type { Browser, Locator, Page } from 'playwright-core';
import { signUp } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';
import { launchChromium } from './browser';

/**
 * The operation block of one route in Swagger UI, expanded. The operations list is virtualized
 * (only what is on screen is in the page), so the filter box first narrows it to the route's tag.
 */
async function openOperation(page: Page, method: string, path: string, tag: string): Promise<Locator> {
  await page.locator('input.operation-filter-input').fill(tag);
  const block = page.locator(`.opblock-${method}`).filter({ has: page.locator(`[data-path="${path}"]`) });
  await block.waitFor();
  // Swagger UI may restore an expanded block after a reload; a click would collapse it again.
  if (!(await block.evaluate((element) => element.classList.contains('is-open')))) {
    await block.locator('.opblock-summary-control').first().click();
  }
  return block;
}

/** "Try it out", optionally with a JSON body, "Execute", and the live response's status. */
async function tryItOut(block: Locator, body?: unknown): Promise<string> {
  await block.getByRole('button', { name: 'Try it out' }).click();
  if (body !== undefined) await block.locator('textarea.body-param__text').fill(JSON.stringify(body));
  await block.getByRole('button', { name: 'Execute' }).click();
  const status = block.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor();
  return (await status.innerText()).trim();
}

describe('Swagger UI (Chromium)', () => {
  let browser: Browser;
  let t: TestApp;
  let docs: string;

  beforeAll(async () => {
    [browser, t] = await Promise.all([launchChromium(), createTestApp()]);
    await t.app.listen(0, '127.0.0.1');
    docs = `${(await t.app.getUrl()).replace('[::1]', '127.0.0.1')}/docs`;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('logging in from the UI authorizes it; the token survives a reload', async () => {
    const user = await signUp(t);
    const page = await browser.newPage();
    await page.goto(docs);
    await page.locator('.opblock').first().waitFor();

    // The filter box narrows the operations by tag.
    await expect(page.locator('input.operation-filter-input').count()).resolves.toBe(1);

    const login = await openOperation(page, 'post', '/v1/auth/login', 'auth');
    expect(await tryItOut(login, { email: user.email, password: user.password })).toBe('200');
    await expect(page.locator('.btn.authorize.locked').count()).resolves.toBe(1);

    expect(await tryItOut(await openOperation(page, 'get', '/v1/me', 'me'))).toBe('200');

    await page.reload();
    await page.locator('.opblock').first().waitFor();
    expect(await tryItOut(await openOperation(page, 'get', '/v1/me', 'me'))).toBe('200');
    await page.close();
  });

  it('without logging in, the same call is 401', async () => {
    const page = await browser.newPage();
    await page.goto(docs);
    await page.locator('.opblock').first().waitFor();
    expect(await tryItOut(await openOperation(page, 'get', '/v1/me', 'me'))).toBe('401');
    await page.close();
  });
});
