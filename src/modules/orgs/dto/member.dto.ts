import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { MemberRole, MembershipStatus } from '../../../generated/prisma/enums';

const ROLES = Object.values(MemberRole);
const STATUSES = Object.values(MembershipStatus);

export class ListMembersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: MemberRole, enumName: 'MemberRole' })
  @IsOptional()
  @IsIn(ROLES)
  role?: MemberRole;

  @ApiPropertyOptional({ enum: MembershipStatus, enumName: 'MembershipStatus' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: MembershipStatus;
}

/** Only an OWNER grants OWNER or changes an OWNER; the last active OWNER cannot be demoted or suspended. */
export class UpdateMemberDto {
  @ApiPropertyOptional({ enum: MemberRole, enumName: 'MemberRole' })
  @IsOptional()
  @IsIn(ROLES)
  role?: MemberRole;

  /** A member who is not ACTIVE loses access to the organization. */
  @ApiPropertyOptional({ enum: MembershipStatus, enumName: 'MembershipStatus' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: MembershipStatus;
}

export class MemberResponseDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: MemberRole, enumName: 'MemberRole' }) role!: MemberRole;
  @ApiProperty({ enum: MembershipStatus, enumName: 'MembershipStatus' }) status!: MembershipStatus;
  /** When the user joined. */
  @ApiProperty() createdAt!: Date;
}
