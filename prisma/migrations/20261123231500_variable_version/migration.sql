-- Optimistic concurrency for variables: every update bumps "version", which is the ETag that
-- PATCH and DELETE check against If-Match. Existing rows start at 1.

-- AlterTable
ALTER TABLE "variables" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;
