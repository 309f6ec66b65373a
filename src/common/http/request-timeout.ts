import {
  applyDecorators,
  Injectable,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { ClsService } from 'nestjs-cls';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { AppConfig } from '../../config/app-config';
import { REQUEST_DEADLINE, RequestDeadline } from '../../database/request-deadline';

const REQUEST_TIMEOUT_KEY = 'orgbase:request-timeout';

/** This route's own time limit instead of REQUEST_TIMEOUT_MS (longer for slow work, shorter for cheap routes). */
export const RequestTimeout = (ms: number) =>
  applyDecorators(
    SetMetadata(REQUEST_TIMEOUT_KEY, ms),
    ApiServiceUnavailableResponse({ description: `REQUEST_TIMEOUT: not answered within ${ms} ms; nothing was kept` }),
  );

/**
 * The outermost interceptor: gives each request a deadline (REQUEST_TIMEOUT_MS or the route's
 * @RequestTimeout) and answers 503 REQUEST_TIMEOUT when it passes. The request's transactions
 * read the same deadline (DbContext.run) and roll back at it, so a timed-out request changed
 * nothing; one whose commit was already under way gets its real answer.
 */
@Injectable()
export class RequestTimeoutInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly cls: ClsService,
    private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ms =
      this.reflector.getAllAndOverride<number>(REQUEST_TIMEOUT_KEY, [context.getHandler(), context.getClass()]) ??
      this.config.REQUEST_TIMEOUT_MS;
    const deadline = RequestDeadline.in(ms);
    this.cls.set(REQUEST_DEADLINE, deadline);
    const answered = deadline.race(() => lastValueFrom(next.handle(), { defaultValue: undefined }));
    // A response streamed after the handler returned (a download) reads on its own time. After a
    // timeout the deadline stays: work still running then can no longer commit anything.
    return from(
      answered.then((value) => {
        this.cls.set(REQUEST_DEADLINE, undefined);
        return value;
      }),
    );
  }
}
