import { ApiProperty } from '@nestjs/swagger';
import { UserResponseDto } from './user-response.dto';

export class AdminUserResponseDto extends UserResponseDto {
  @ApiProperty({ type: Date, nullable: true, description: 'Set while the account is suspended' })
  suspendedAt!: Date | null;

  /** Deleted accounts stay listed, anonymised: placeholder email, no name. */
  @ApiProperty({ type: Date, nullable: true, description: 'Set once the account is deleted' })
  deletedAt!: Date | null;
}
