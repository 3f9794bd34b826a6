from okrsync.cli import main

main()
