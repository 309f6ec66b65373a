import { Global, Module } from '@nestjs/common';
import { JobsService } from './jobs.service';

/** Background jobs (pg-boss) for every module: see JobsService. */
@Global()
@Module({ providers: [JobsService], exports: [JobsService] })
export class JobsModule {}
