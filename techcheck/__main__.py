from techcheck.cli import main

raise SystemExit(main())
