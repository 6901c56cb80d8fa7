// The Shop API operations of a guest checkout, in the order a storefront sends
// them (Vendure's own storefront starters do the same). Every result is a union
// of Order and ErrorResults, so every document asks for `__typename`, the order
// fields the codec reports, and `errorCode`/`message` (+ the stock-specific fields).

const ORDER_FIELDS = `
  __typename
  ... on Order {
    id code state active totalWithTax
    lines { quantity productVariant { sku } }
    payments { id amount state method }
  }
  ... on ErrorResult { errorCode message }
`;
// Fragments on a member type are only valid where the union has that member.
const STOCK_ERROR = '... on InsufficientStockError { quantityAvailable }';
const TRANSITION_ERROR = '... on OrderStateTransitionError { transitionError fromState toState }';

export const SHOP_STEPS = {
  addItemToOrder: `mutation ($productVariantId: ID!, $quantity: Int!) {
    result: addItemToOrder(productVariantId: $productVariantId, quantity: $quantity) {
      ${ORDER_FIELDS} ${STOCK_ERROR}
    }
  }`,
  setCustomerForOrder: `mutation ($input: CreateCustomerInput!) {
    result: setCustomerForOrder(input: $input) { ${ORDER_FIELDS} }
  }`,
  setOrderShippingAddress: `mutation ($input: CreateAddressInput!) {
    result: setOrderShippingAddress(input: $input) { ${ORDER_FIELDS} }
  }`,
  setOrderShippingMethod: `mutation ($ids: [ID!]!) {
    result: setOrderShippingMethod(shippingMethodId: $ids) { ${ORDER_FIELDS} }
  }`,
  transitionOrderToState: `mutation ($state: String!) {
    result: transitionOrderToState(state: $state) { ${ORDER_FIELDS} ${TRANSITION_ERROR} }
  }`,
  addPaymentToOrder: `mutation ($input: PaymentInput!) {
    result: addPaymentToOrder(input: $input) { ${ORDER_FIELDS} ${TRANSITION_ERROR} }
  }`,
} as const;

export type ShopStep = keyof typeof SHOP_STEPS;

/** What any step's `result` holds: an Order, an ErrorResult, or null (no active order). */
export interface ShopResult {
  readonly __typename: string;
  readonly id?: string;
  readonly code?: string;
  readonly state?: string;
  readonly active?: boolean;
  readonly totalWithTax?: number;
  readonly lines?: readonly { quantity: number; productVariant: { sku: string } }[];
  readonly payments?: readonly { id: string; amount: number; state: string; method: string }[];
  readonly errorCode?: string;
  readonly message?: string;
  readonly quantityAvailable?: number;
  readonly transitionError?: string;
}

/** Order states in which Vendure has placed the order and allocated its stock (DefaultStockAllocationStrategy). */
export const PLACED_STATES: ReadonlySet<string> = new Set(['PaymentSettled', 'PaymentAuthorized']);
