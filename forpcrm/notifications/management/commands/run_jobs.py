"""Run the periodic jobs once, or every N seconds (the embedded scheduler when there is no Celery beat)."""

import signal

from django.core.management.base import BaseCommand, CommandError

from forpcrm.notifications.jobs import jobs_loop, jobs_registered, jobs_run


class _StopError(Exception):
    pass


class Command(BaseCommand):
    help = "Run the registered periodic jobs (reminders and others) once, or in a loop with --loop SECONDS."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, metavar="SECONDS", help="repeat every SECONDS until stopped")
        parser.add_argument("--job", action="append", dest="jobs", metavar="NAME",
                            help="run only this job (repeatable); runs it now whatever its interval")

    def handle(self, *args, loop=None, jobs=None, **options):
        known = jobs_registered()
        unknown = [name for name in jobs or [] if name not in known]
        if unknown:
            raise CommandError(f"unknown job(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        verbosity = options.get("verbosity", 1)

        def report(result):
            if verbosity >= 1 and (result or verbosity >= 2):
                self.stdout.write(", ".join(f"{name}: {count}" for name, count in sorted(result.items())) or "-")

        if not loop:
            result = jobs_run(names=jobs)
            self.stdout.write(", ".join(f"{name}: {count}" for name, count in sorted(result.items())) or "no job due")
            return
        if loop <= 0:
            raise CommandError("--loop needs a positive number of seconds")

        def stop(signum, frame):
            raise _StopError

        previous = signal.signal(signal.SIGTERM, stop)
        if verbosity >= 1:
            self.stdout.write(f"running jobs every {loop:g} s: {', '.join(sorted(known))}")
        try:
            jobs_loop(loop, names=jobs, on_result=report)
        except (KeyboardInterrupt, _StopError):
            if verbosity >= 1:
                self.stdout.write("job loop stopped")
        finally:
            signal.signal(signal.SIGTERM, previous)
