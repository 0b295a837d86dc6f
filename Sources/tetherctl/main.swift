Tetherctl.main()
