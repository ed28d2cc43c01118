from fulfillment.cli import main

main()
