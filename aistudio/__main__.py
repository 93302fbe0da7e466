from aistudio.cli import main

main()
