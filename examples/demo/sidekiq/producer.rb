# Bursts of invoices for the demo's Sidekiq pool, forever (Ctrl-C / SIGTERM ends it).
require_relative 'boot'
n = 0
loop do
  Sidekiq::Client.push_bulk('class' => InvoiceJob, 'args' => Array.new(rand(5..25)) { [n += 1] })
  sleep rand(2..6)
end
