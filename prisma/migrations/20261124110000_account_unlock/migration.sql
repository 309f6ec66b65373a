-- Account unlock links (issue 14, point 4): when failed sign-ins on one account from many addresses
-- reach LOGIN_ACCOUNT_MAX_FAILURES, its owner is mailed a one-time link that lifts the account-wide
-- limit. They are verification tokens like the others (same table, same RLS policies).

-- AlterEnum
ALTER TYPE "VerificationPurpose" ADD VALUE 'ACCOUNT_UNLOCK';
