import { Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/auth.decorators';
import { RecountQueuedDto } from './dto/shake.dto';
import { ShakeCountersService } from './shake-counters.service';

@ApiTags('admin')
@Controller('admin/recount')
@AdminOnly()
export class AdminRecountController {
  constructor(private readonly counters: ShakeCountersService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: RecountQueuedDto, description: "Queued: every shake's counters will be rebuilt from the facts" })
  async recount(): Promise<RecountQueuedDto> {
    return { jobId: await this.counters.queueRecountAll() };
  }
}
