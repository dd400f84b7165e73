import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ALL_QUEUE_NAMES } from '../jobs/queues';
import { UsersModule } from '../users/users.module';
import { AdminGate } from './admin-gate.middleware';
import { AdminSessionController } from './admin-session.controller';
import { AdminSessionsService } from './admin-sessions.service';
import { SignInController } from './sign-in.controller';

/** The gate and the sessions it checks, for the dashboard's root module to inject. */
@Module({
  imports: [AuthModule, UsersModule],
  providers: [AdminSessionsService, AdminGate],
  exports: [AdminSessionsService, AdminGate],
})
class AdminGateModule {}

/**
 * The queue dashboard (Bull Board) at /admin/queues behind AdminGate, the session endpoint and the sign-in
 * page; only where the API is served.
 */
@Module({
  imports: [
    AdminGateModule,
    BullBoardModule.forRootAsync({
      imports: [AdminGateModule],
      inject: [AdminGate],
      useFactory: (gate: AdminGate) => ({
        route: '/admin/queues',
        adapter: ExpressAdapter,
        middleware: gate.use.bind(gate),
        boardOptions: { uiConfig: { boardTitle: 'Malted queues' } },
      }),
    }),
    BullBoardModule.forFeature(...ALL_QUEUE_NAMES.map((name) => ({ name, adapter: BullAdapter }))),
  ],
  controllers: [AdminSessionController, SignInController],
})
export class AdminApiModule {}
