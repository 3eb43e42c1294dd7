# The demo's Sidekiq app (Debian's ruby-sidekiq): a billing job that takes 100-400 ms.
require 'sidekiq'

url = ENV['CHAPERONE_REDIS_URL'] || 'redis://127.0.0.1:6379'
Sidekiq.configure_server { |c| c.redis = { url: url } }
Sidekiq.configure_client { |c| c.redis = { url: url } }

class InvoiceJob
  include Sidekiq::Worker
  sidekiq_options queue: 'demo-billing', retry: 3

  def perform(n)
    sleep(rand(0.1..0.4))
    raise "card declined for invoice #{n}" if (n % 37).zero?
  end
end
